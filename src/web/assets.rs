//! The stylesheet and script, compiled into the binary and served under names that
//! carry their digest, so browsers may cache them for good and a new release is never
//! mixed with an old cached file.

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use sha2::{Digest, Sha256};

use crate::error::Error;

struct Asset {
    name: String,
    content_type: &'static str,
    body: &'static str,
}

fn asset(stem: &str, ext: &str, content_type: &'static str, body: &'static str) -> Asset {
    let digest = hex::encode(&Sha256::digest(body.as_bytes())[..6]);
    Asset { name: format!("{stem}-{digest}.{ext}"), content_type, body }
}

static ASSETS: LazyLock<[Asset; 2]> = LazyLock::new(|| {
    [
        asset("app", "css", "text/css; charset=utf-8", include_str!("assets/app.css")),
        asset("app", "js", "text/javascript; charset=utf-8", include_str!("assets/app.js")),
    ]
});

pub fn stylesheet() -> String {
    format!("/assets/{}", ASSETS[0].name)
}

pub fn script() -> String {
    format!("/assets/{}", ASSETS[1].name)
}

pub async fn serve(file: web::Path<String>) -> Result<HttpResponse, Error> {
    let a = ASSETS.iter().find(|a| a.name == *file).ok_or(Error::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(a.content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(a.body))
}
