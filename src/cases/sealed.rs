//! Sealing a record's fields: one DEK per record (in `data_keys`), each field a JSON
//! value sealed under a subkey bound to (table, record id, field).

use serde::Serialize;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use crate::crypto::{Dek, FieldContext, Keyring, open_field, seal_field};
use crate::error::{Error, Result};
use crate::keys::store as key_store;
use crate::store::DbConnection;

pub struct Sealer {
    dek: Dek,
    kek_version: u32,
    table: &'static str,
    id: String,
}

impl Sealer {
    /// A new record: a fresh DEK, stored wrapped.
    pub fn create(c: &mut DbConnection, keyring: &Keyring, table: &'static str, id: &str) -> Result<Self> {
        let dek = key_store::create_record_key(c, keyring, table, id)?;
        Ok(Sealer { dek, kek_version: keyring.primary_version(), table, id: id.to_owned() })
    }

    /// An existing record's key.
    pub fn open(c: &mut DbConnection, keyring: &Keyring, table: &'static str, id: &str) -> Result<Self> {
        let dek = key_store::record_key(c, keyring, table, id)?;
        Ok(Sealer { dek, kek_version: keyring.primary_version(), table, id: id.to_owned() })
    }

    /// An existing record's key, its wrapped form loaded with the row (a page of records
    /// in one query, not one key lookup per row).
    pub fn from_wrapped(keyring: &Keyring, table: &'static str, id: &str, wrapped: &[u8]) -> Result<Self> {
        let dek = keyring.unwrap_dek(table, id, wrapped)?;
        Ok(Sealer { dek, kek_version: keyring.primary_version(), table, id: id.to_owned() })
    }

    pub fn seal<T: Serialize + ?Sized>(&self, field: &str, value: &T) -> Result<Vec<u8>> {
        let plain = Zeroizing::new(serde_json::to_vec(value).map_err(Error::internal)?);
        Ok(seal_field(&self.dek, self.kek_version, &FieldContext::new(self.table, &self.id, field), &plain)?)
    }

    pub fn unseal<T: DeserializeOwned>(&self, field: &str, blob: &[u8]) -> Result<T> {
        let plain = open_field(&self.dek, &FieldContext::new(self.table, &self.id, field), blob)?;
        serde_json::from_slice(&plain).map_err(|_| Error::Integrity)
    }

    pub fn dek(&self) -> &Dek {
        &self.dek
    }
}
