//! One reader per format, each pushing typed rows into a [`RowSink`].

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use super::{Cell, MAX_COLUMNS, ReadError, RowSink, TabularFormat, clip};

const BUFFER: usize = 256 * 1024;

/// Reads every row of the file at `path` into `sink`.
pub fn read_rows(path: &Path, format: TabularFormat, sink: &mut dyn RowSink) -> Result<(), ReadError> {
    let file = File::open(path).map_err(|e| ReadError::Store(format!("cannot open the file: {e}")))?;
    match format {
        TabularFormat::Csv => read_delimited(file, b',', "CSV", sink),
        TabularFormat::Tsv => read_delimited(file, b'\t', "TSV", sink),
        TabularFormat::Jsonl => read_jsonl(file, sink),
        TabularFormat::Xlsx => read_xlsx(file, sink),
        TabularFormat::Parquet => read_parquet(file, sink),
    }
}

fn read_delimited(file: File, delimiter: u8, name: &'static str, sink: &mut dyn RowSink) -> Result<(), ReadError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .buffer_capacity(BUFFER)
        .from_reader(BufReader::with_capacity(BUFFER, file));
    let headers = reader.byte_headers().map_err(|e| ReadError::malformed(name, e))?;
    let mut names: Vec<String> = headers
        .iter()
        .take(MAX_COLUMNS)
        .enumerate()
        .map(|(i, h)| {
            let h = String::from_utf8_lossy(h);
            let h = h.trim().trim_start_matches('\u{feff}').trim();
            if h.is_empty() { format!("column_{}", i + 1) } else { clip(h) }
        })
        .collect();
    dedupe(&mut names);
    sink.columns(&names);
    let mut record = csv::ByteRecord::new();
    let mut cells: Vec<Cell> = Vec::with_capacity(names.len());
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) => return Err(ReadError::malformed(name, e)),
        }
        cells.clear();
        cells.extend(record.iter().take(names.len()).map(|f| Cell::infer(&String::from_utf8_lossy(f))));
        sink.row(&cells)?;
    }
}

fn read_jsonl(file: File, sink: &mut dyn RowSink) -> Result<(), ReadError> {
    let reader = BufReader::with_capacity(BUFFER, file);
    let mut names: Vec<String> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut cells: Vec<Cell> = Vec::new();
    for (n, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| ReadError::malformed("JSON Lines", e))?;
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = serde_json::from_str(&line)
            .map_err(|e| ReadError::malformed("JSON Lines", format!("line {}: {e}", n + 1)))?;
        let serde_json::Value::Object(map) = value else {
            return Err(ReadError::malformed("JSON Lines", format!("line {} is not a JSON object", n + 1)));
        };
        let before = names.len();
        cells.clear();
        cells.resize(names.len(), Cell::Null);
        for (k, v) in map {
            let i = match index.get(&k) {
                Some(i) => *i,
                None if names.len() < MAX_COLUMNS => {
                    names.push(clip(&k));
                    index.insert(k, names.len() - 1);
                    cells.push(Cell::Null);
                    names.len() - 1
                }
                None => continue,
            };
            cells[i] = json_cell(v);
        }
        if names.len() != before {
            sink.columns(&names);
        }
        sink.row(&cells)?;
    }
    Ok(())
}

fn json_cell(v: serde_json::Value) -> Cell {
    match v {
        serde_json::Value::Null => Cell::Null,
        serde_json::Value::Bool(b) => Cell::Bool(b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Cell::Int(i),
            None => n.as_f64().map(Cell::Float).unwrap_or(Cell::Null),
        },
        serde_json::Value::String(s) => match Cell::infer(&s) {
            // A JSON string stays text unless it is a date: "007" and "12" were quoted on purpose.
            c @ (Cell::Date(_) | Cell::DateTime(_) | Cell::Null) => c,
            _ => Cell::Text(clip(&s)),
        },
        other => Cell::Text(clip(&other.to_string())),
    }
}

fn read_xlsx(file: File, sink: &mut dyn RowSink) -> Result<(), ReadError> {
    use calamine::{DataRef, Reader, Xlsx};
    let mut book: Xlsx<_> =
        Xlsx::new(BufReader::with_capacity(BUFFER, file)).map_err(|e| ReadError::malformed("XLSX", e))?;
    let Some(sheet) = book.sheet_names().first().cloned() else {
        return Err(ReadError::malformed("XLSX", "the workbook has no sheet"));
    };
    let mut cells_reader = book.worksheet_cells_reader(&sheet).map_err(|e| ReadError::malformed("XLSX", e))?;
    let mut names: Vec<String> = Vec::new();
    let mut header_row: Option<u32> = None;
    let mut current: Option<u32> = None;
    let mut cells: Vec<Cell> = Vec::new();
    let mut first_col = 0u32;
    loop {
        let next = cells_reader.next_cell().map_err(|e| ReadError::malformed("XLSX", e))?;
        let (row, col, value) = match &next {
            Some(c) => {
                let (r, c2) = c.get_position();
                let v = match c.get_value() {
                    DataRef::Empty => Cell::Null,
                    DataRef::Int(i) => Cell::Int(*i),
                    DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Cell::Int(*f as i64),
                    DataRef::Float(f) => Cell::Float(*f),
                    DataRef::Bool(b) => Cell::Bool(*b),
                    DataRef::String(s) => Cell::infer(s),
                    DataRef::SharedString(s) => Cell::infer(s),
                    DataRef::DateTime(d) => excel_datetime(d.as_f64()),
                    DataRef::DateTimeIso(s) => Cell::infer(s),
                    DataRef::DurationIso(s) => Cell::Text(clip(s)),
                    DataRef::Error(_) => Cell::Null,
                };
                (Some(r), c2, v)
            }
            None => (None, 0, Cell::Null),
        };
        // A row ends when the next cell is on a later row (or the sheet ends).
        if current.is_some() && row != current {
            if header_row == current {
                names = cells
                    .iter()
                    .enumerate()
                    .map(|(i, c)| c.to_text().unwrap_or_else(|| format!("column_{}", i + 1)))
                    .collect();
                dedupe(&mut names);
                sink.columns(&names);
            } else {
                cells.truncate(names.len());
                sink.row(&cells)?;
            }
            cells.clear();
        }
        let Some(r) = row else { return Ok(()) };
        if header_row.is_none() {
            header_row = Some(r);
            first_col = col;
        }
        current = Some(r);
        let i = col.saturating_sub(first_col) as usize;
        if i < MAX_COLUMNS {
            if cells.len() <= i {
                cells.resize(i + 1, Cell::Null);
            }
            cells[i] = value;
        }
    }
}

/// An Excel serial date (days since 1899-12-30) as a date or date-time.
fn excel_datetime(serial: f64) -> Cell {
    let Some(base) = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).and_then(|d| d.and_hms_opt(0, 0, 0)) else {
        return Cell::Null;
    };
    let millis = (serial * 86_400_000.0).round() as i64;
    match base.checked_add_signed(chrono::Duration::milliseconds(millis)) {
        Some(t) if t.time() == chrono::NaiveTime::MIN => Cell::Date(t.date()),
        Some(t) => Cell::DateTime(t),
        None => Cell::Null,
    }
}

fn read_parquet(file: File, sink: &mut dyn RowSink) -> Result<(), ReadError> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;
    let reader = SerializedFileReader::new(file).map_err(|e| ReadError::malformed("Parquet", e))?;
    let schema = reader.metadata().file_metadata().schema_descr();
    let mut names: Vec<String> = schema.root_schema().get_fields().iter().map(|f| clip(f.name())).collect();
    names.truncate(MAX_COLUMNS);
    sink.columns(&names);
    let rows = reader.get_row_iter(None).map_err(|e| ReadError::malformed("Parquet", e))?;
    let mut cells: Vec<Cell> = Vec::with_capacity(names.len());
    for row in rows {
        let row = row.map_err(|e| ReadError::malformed("Parquet", e))?;
        cells.clear();
        for (_, field) in row.get_column_iter().take(names.len()) {
            cells.push(match field {
                Field::Null => Cell::Null,
                Field::Bool(b) => Cell::Bool(*b),
                Field::Byte(v) => Cell::Int(*v as i64),
                Field::Short(v) => Cell::Int(*v as i64),
                Field::Int(v) => Cell::Int(*v as i64),
                Field::Long(v) => Cell::Int(*v),
                Field::UByte(v) => Cell::Int(*v as i64),
                Field::UShort(v) => Cell::Int(*v as i64),
                Field::UInt(v) => Cell::Int(*v as i64),
                Field::ULong(v) => i64::try_from(*v).map(Cell::Int).unwrap_or(Cell::Float(*v as f64)),
                Field::Float16(v) => Cell::Float(f64::from(*v)),
                Field::Float(v) => Cell::Float(*v as f64),
                Field::Double(v) => Cell::Float(*v),
                Field::Str(s) => Cell::Text(clip(s)),
                Field::Date(days) => chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
                    .and_then(|d| d.checked_add_signed(chrono::Duration::days(*days as i64)))
                    .map(Cell::Date)
                    .unwrap_or(Cell::Null),
                Field::TimestampMillis(ms) => chrono::DateTime::from_timestamp_millis(*ms)
                    .map(|t| Cell::DateTime(t.naive_utc()))
                    .unwrap_or(Cell::Null),
                Field::TimestampMicros(us) => chrono::DateTime::from_timestamp_micros(*us)
                    .map(|t| Cell::DateTime(t.naive_utc()))
                    .unwrap_or(Cell::Null),
                other => Cell::Text(clip(&other.to_string())),
            });
        }
        sink.row(&cells)?;
    }
    Ok(())
}

/// Makes column names unique by suffixing repeats (`name`, `name_2`, …).
fn dedupe(names: &mut [String]) {
    let mut seen = std::collections::HashSet::new();
    for n in names.iter_mut() {
        if !seen.insert(n.clone()) {
            let mut i = 2;
            while seen.contains(&format!("{n}_{i}")) {
                i += 1;
            }
            *n = format!("{n}_{i}");
            seen.insert(n.clone());
        }
    }
}
