//! A stored file as an HTTP response. The `attachments` service has already
//! authenticated the file's first segment and audited the download; what is left is the
//! status, the headers, and the body.
//!
//! The response always declares its length (`no_chunking`): a stream that ends with an
//! error (damage found further in, audited by the service) then cuts the connection
//! short of `Content-Length`, so the client never sees a complete-looking file.

use actix_web::HttpResponse;
use actix_web::http::header::{self, HeaderValue};

use crate::attachments::FileDownload;
use crate::http::problem::Problem;

/// 200 with the whole file, or 206 with its range; offered for download under its
/// original name.
pub(crate) fn file_response(file: FileDownload) -> HttpResponse {
    let FileDownload { view, part, body } = file;
    let size = view.size.max(0) as u64;
    let mut res = match part {
        Some((start, end)) => {
            let mut r = HttpResponse::PartialContent();
            r.insert_header((header::CONTENT_RANGE, format!("bytes {start}-{end}/{size}")));
            r.no_chunking(end - start + 1);
            r
        }
        None => {
            let mut r = HttpResponse::Ok();
            r.no_chunking(size);
            r
        }
    };
    res.insert_header((header::ACCEPT_RANGES, "bytes"));
    let disposition =
        format!("attachment; filename*=UTF-8''{}", crate::domain::percent::encode(&view.filename));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        res.insert_header((header::CONTENT_DISPOSITION, v));
    }
    res.content_type(view.media_type.as_str());
    res.streaming(body)
}

/// 416 with the file's length, as RFC 9110 §15.5.17 asks.
pub(crate) fn range_not_satisfiable(size: u64) -> HttpResponse {
    let mut res = Problem::from(crate::http::problem::RANGE_NOT_SATISFIABLE)
        .detail(format!("the file has {size} bytes"))
        .response();
    if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
        res.headers_mut().insert(header::CONTENT_RANGE, v);
    }
    res.headers_mut().insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    res
}
