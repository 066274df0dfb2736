//! `Imports::export`: a case's records as a spreadsheet in the import's own shape, with
//! the mapping that brings them back. The records are read and the read audited in one
//! transaction; the file is written after it, off the async threads.

use std::io::Cursor;

use uuid::Uuid;

use super::export::case_sheets;
use super::sheet_out::{self, ExportFormat};
use crate::access::{Allowed, act};
use crate::error::{Error, Result};

impl super::Imports {
    /// The records of a case as an XLSX workbook or a ZIP of CSV files and `mapping.toml`
    /// (the case lead only). A case an XLSX cannot hold (a cell longer than Excel allows)
    /// is refused before anything is read out, with 409: export it as a ZIP.
    pub async fn export(
        &self,
        who: Allowed<act::CaseImport>,
        case_id: Uuid,
        format: ExportFormat,
    ) -> Result<Vec<u8>> {
        let sheets = self
            .ctx
            .write(move |c, k| {
                let sheets = case_sheets(c, k, &who.principal, &case_id.to_string())?;
                if format == ExportFormat::Xlsx {
                    // Checked before the transaction (and its audit entry) commits.
                    sheet_out::check_xlsx(&sheets)?;
                }
                Ok(sheets)
            })
            .await?;
        tokio::task::spawn_blocking(move || match format {
            ExportFormat::Xlsx => sheet_out::to_xlsx(&sheets),
            ExportFormat::Zip => {
                let mapping = sheet_out::mapping_toml(&sheets, format);
                let mut out = Cursor::new(Vec::new());
                sheet_out::to_csv_zip(&sheets, &mapping, &mut out)?;
                Ok(out.into_inner())
            }
        })
        .await
        .map_err(|e| Error::internal(format!("export task: {e}")))?
    }
}
