//! What a phone's app is given to connect to a case: ODK Collect's server URL (the
//! OpenRosa endpoints), Tella's project URL, the device's name and password, and
//! Collect's settings code — the JSON of its "general" settings, zlib-compressed and
//! base64-encoded, which Collect reads from a QR code (docs.getodk.org,
//! "Settings QR codes"). Tella has no such code: its details are typed in.

use std::io::Write;

use base64::Engine;
use flate2::Compression;
use flate2::write::ZlibEncoder;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::intake::tella;

/// Where OpenRosa clients find the server below the installation's public URL.
pub const OPENROSA_PATH: &str = "/openrosa";

/// Everything a device page shows once, after the device is made or re-keyed.
#[derive(Debug)]
pub struct Connection {
    /// ODK Collect's "Server URL".
    pub openrosa_url: String,
    /// Tella's project URL (server and project slug in one).
    pub tella_url: String,
    pub username: String,
    pub password: SecretString,
}

impl Connection {
    pub fn new(public_url: &str, case: Uuid, username: String, password: SecretString) -> Self {
        let server = public_url.trim_end_matches('/');
        Connection {
            openrosa_url: format!("{server}{OPENROSA_PATH}"),
            tella_url: tella::project_url(server, case),
            username,
            password,
        }
    }

    /// ODK Collect's settings code for this device (what its QR code carries).
    pub fn collect_settings(&self) -> Result<String> {
        collect_settings(&self.openrosa_url, &self.username, &self.password)
    }
}

/// ODK Collect's settings code: `base64(zlib(json))` of the server URL and the account.
/// The empty `admin` section leaves the app's protected settings at their defaults.
pub fn collect_settings(server_url: &str, username: &str, password: &SecretString) -> Result<String> {
    let settings = json!({
        "general": {
            "server_url": server_url,
            "username": username,
            "password": password.expose_secret(),
        },
        "admin": {},
    });
    let json = zeroize::Zeroizing::new(serde_json::to_vec(&settings).map_err(Error::internal)?);
    let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
    z.write_all(&json).map_err(Error::internal)?;
    let packed = zeroize::Zeroizing::new(z.finish().map_err(Error::internal)?);
    Ok(base64::engine::general_purpose::STANDARD.encode(&*packed))
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn the_settings_code_is_base64_of_zlib_of_the_json_collect_reads() {
        let case = Uuid::new_v4();
        let c = Connection::new(
            "https://custodia.example.org/",
            case,
            "device-abc".into(),
            SecretString::from("pw-123"),
        );
        assert_eq!(c.openrosa_url, "https://custodia.example.org/openrosa");
        assert_eq!(c.tella_url, format!("https://custodia.example.org/api/v1/tella/p/{}", case.simple()));
        let packed = base64::engine::general_purpose::STANDARD.decode(c.collect_settings().unwrap()).unwrap();
        let mut json = String::new();
        flate2::read::ZlibDecoder::new(&packed[..]).read_to_string(&mut json).unwrap();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["general"]["server_url"], "https://custodia.example.org/openrosa");
        assert_eq!(v["general"]["username"], "device-abc");
        assert_eq!(v["general"]["password"], "pw-123");
        assert_eq!(v["admin"], json!({}));
    }
}
