DROP INDEX testimonies_case_clear;
DROP INDEX places_case;
DROP INDEX units_case;
DROP INDEX testimony_incidents_incident;
DROP INDEX incident_victims_person;
DROP INDEX involvements_unit;
ALTER TABLE involvement_evidence DROP COLUMN stance;
