//! The `datagate` command.

fn main() -> std::process::ExitCode {
    datagate::cli::main()
}
