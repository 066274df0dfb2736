//! Security headers on every response. API answers are never cached (they carry
//! personal data), never framed, never sniffed as another type.

use actix_web::middleware::DefaultHeaders;

pub fn security_headers(behind_tls: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add((
            "Content-Security-Policy",
            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        ))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add(("Cross-Origin-Resource-Policy", "same-origin"))
        .add(("Permissions-Policy", "camera=(), microphone=(), geolocation=()"))
        .add(("Cache-Control", "no-store"));
    if behind_tls {
        headers.add(("Strict-Transport-Security", "max-age=63072000; includeSubDomains"))
    } else {
        headers
    }
}
