//! Istanbul Protocol evaluations (2022 edition, annex IV): a clinician's medical and/or
//! psychological evaluation of a person who alleges torture or ill-treatment, linked to
//! the incidents alleged. Versioned and sealed like testimonies (a sealed version never
//! changes; a correction is a new version), and readable only by the role allowed
//! medical data (`medical.read`).

pub mod model;
