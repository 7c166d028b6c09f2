//! The portal's pages apply the API's visibility rules: drafts appear only
//! to their bureau's publishers and administrators, and a page refused is
//! answered exactly like a page that does not exist. Runs on the
//! authorisation matrix's [`World`], with each caller signed in to the portal.

use crate::authz_matrix::{CALLERS, World};
use crate::helpers::*;
use crate::portal_support::*;

/// Each caller as a browser: anonymous, or signed in to the portal as the
/// user behind the caller's API credential.
async fn browsers(w: &World) -> Vec<(&'static str, Browser)> {
    let mut out = vec![("anonymous", Browser::new())];
    for caller in CALLERS.iter().skip(1) {
        if *caller == "suspended" {
            continue; // its credentials open nothing, /me included
        }
        let me = w.app.get("/api/v1/me", w.token(caller)).await.expect(200).json();
        let user = me["user"]["id"].as_str().unwrap().to_string();
        out.push((*caller, signed_in(&w.app, &user).await));
    }
    out
}

/// A page's body with what legitimately differs between two requests removed.
fn comparable(r: &Resp, name: &str) -> String {
    let id = r.header("x-request-id").unwrap_or_default();
    text(r).replace(&id, "<request>").replace(name, "<id>")
}

#[actix_web::test]
async fn portal_pages_never_show_drafts_to_those_the_api_hides_them_from() {
    let w = World::build().await;
    let bureau_x = w.id("bureau_x").to_string();
    let mut leaks = Vec::new();
    for (caller, mut b) in browsers(&w).await {
        let sees_drafts = matches!(caller, "pub_x" | "admin");
        for (path, draft) in [("/datasets/m-draft-x", "m-draft-x"), ("/corpora/m-corpus-draft-x", "m-corpus-draft-x")] {
            let r = b.get(&w.app, path).await;
            let status = r.status.as_u16();
            if sees_drafts {
                if status != 200 {
                    leaks.push(format!("{caller} {path}: {status}, expected 200"));
                }
                continue;
            }
            // Refused exactly as a page that does not exist.
            let missing_path = path.replace(draft, "m-no-such");
            let missing = b.get(&w.app, &missing_path).await;
            if status != 404 || comparable(&r, draft) != comparable(&missing, "m-no-such") {
                leaks.push(format!("{caller} {path}: {status}, or its refusal differs from a missing page's"));
            }
        }
        let lists = [
            "/".to_string(),
            "/datasets".to_string(),
            format!("/datasets?q={}", q("草稿")),
            "/corpora".to_string(),
            format!("/corpora?q={}", q("草稿")),
            format!("/bureaus/{bureau_x}"),
            "/bureaus".to_string(),
        ];
        for path in &lists {
            let html = page(b.get(&w.app, path).await, 200);
            for draft in ["m-draft-x", "m-corpus-draft-x"] {
                let shown = html.contains(&format!("/{draft}\""));
                if shown && !sees_drafts {
                    leaks.push(format!("{caller} {path}: shows the draft {draft}"));
                }
            }
            // An enterprise awaiting verification is nobody's public business.
            if caller != "unverified" && html.contains("丙智能科技有限公司") {
                leaks.push(format!("{caller} {path}: shows an unverified enterprise"));
            }
        }
        // Drafts are in the search of those who may see them, as in the API.
        if sees_drafts {
            let html = page(b.get(&w.app, &format!("/datasets?q={}", q("草稿"))).await, 200);
            if !html.contains("/datasets/m-draft-x\"") {
                leaks.push(format!("{caller}: its own draft is missing from its search"));
            }
        }
        // Conditional files are never offered for download on a page.
        let html = page(b.get(&w.app, "/datasets/m-cond-x").await, 200);
        if html.contains(&format!("/api/v1/distributions/{}/file\" download", w.id("dist_cond_x"))) {
            leaks.push(format!("{caller}: a conditional file offered for download"));
        }
    }
    assert!(leaks.is_empty(), "{} leaks:\n{}", leaks.len(), leaks.join("\n"));
}
