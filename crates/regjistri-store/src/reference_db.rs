//! Reference data rows in the database: written once at creation, read at every open.

use chrono::NaiveDate;
use regjistri_domain::reference::*;
use rusqlite::{params, Connection};

use crate::error::StoreError;

fn date(s: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| StoreError::Corrupt(format!("reference date {s:?}")))
}

fn validity(from: String, to: Option<String>) -> Result<Validity, StoreError> {
    Ok(Validity {
        valid_from: date(&from)?,
        valid_to: to.as_deref().map(date).transpose()?,
    })
}

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub(crate) fn save(conn: &Connection, set: &ReferenceSet) -> Result<(), StoreError> {
    for c in &set.counties {
        conn.execute(
            "INSERT INTO ref_county (code, name) VALUES (?1, ?2)",
            params![c.code, c.name],
        )?;
    }
    for m in &set.municipalities {
        conn.execute(
            "INSERT INTO ref_municipality (code, name, county_code) VALUES (?1, ?2, ?3)",
            params![m.code, m.name, m.county_code],
        )?;
    }
    for d in &set.directorates {
        conn.execute(
            "INSERT INTO ref_directorate (code, name, county_code) VALUES (?1, ?2, ?3)",
            params![d.code, d.name, d.county_code],
        )?;
    }
    for j in &set.jurisdictions {
        conn.execute(
            "INSERT INTO ref_jurisdiction (municipality_code, directorate_code, valid_from, valid_to, confirmed)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![j.municipality_code, j.directorate_code, iso(j.validity.valid_from), j.validity.valid_to.map(iso), j.confirmed],
        )?;
    }
    for a in &set.articles {
        conn.execute(
            "INSERT INTO ref_article (code, valid_from, valid_to, confirmed, title_sq, title_en) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![a.code, iso(a.validity.valid_from), a.validity.valid_to.map(iso), a.confirmed, a.title_sq, a.title_en],
        )?;
    }
    for c in &set.courts {
        let kind = match c.kind {
            CourtKind::FirstInstance => "first_instance",
            CourtKind::Appeal => "appeal",
            CourtKind::Special => "special",
        };
        conn.execute(
            "INSERT INTO ref_court (code, name, kind, valid_from, valid_to, confirmed) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![c.code, c.name, kind, iso(c.validity.valid_from), c.validity.valid_to.map(iso), c.confirmed],
        )?;
    }
    for c in &set.countries {
        conn.execute(
            "INSERT INTO ref_country (code, name_sq, name_en) VALUES (?1, ?2, ?3)",
            params![c.code, c.name_sq, c.name_en],
        )?;
    }
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('reference_version', ?1)",
        params![set.version],
    )?;
    Ok(())
}

/// Replaces the reference data with a newer national set, inside the caller's transaction.
/// Returns false when this version is the one already held.
pub(crate) fn replace(conn: &Connection, set: &ReferenceSet) -> Result<bool, StoreError> {
    let held: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'reference_version'",
            [],
            |r| r.get(0),
        )
        .ok();
    if held.as_deref() == Some(set.version.as_str()) {
        return Ok(false);
    }
    // Children before the rows they refer to.
    for table in [
        "ref_jurisdiction",
        "ref_municipality",
        "ref_directorate",
        "ref_county",
        "ref_article",
        "ref_court",
        "ref_country",
    ] {
        conn.execute(&format!("DELETE FROM {table}"), [])?;
    }
    save(conn, set)?;
    Ok(true)
}

pub(crate) fn load(conn: &Connection) -> Result<ReferenceSet, StoreError> {
    let mut set = ReferenceSet {
        version: conn.query_row(
            "SELECT value FROM meta WHERE key = 'reference_version'",
            [],
            |r| r.get(0),
        )?,
        ..ReferenceSet::default()
    };
    let mut s = conn.prepare("SELECT code, name FROM ref_county ORDER BY code")?;
    set.counties = s
        .query_map([], |r| {
            Ok(County {
                code: r.get(0)?,
                name: r.get(1)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut s =
        conn.prepare("SELECT code, name, county_code FROM ref_municipality ORDER BY code")?;
    set.municipalities = s
        .query_map([], |r| {
            Ok(Municipality {
                code: r.get(0)?,
                name: r.get(1)?,
                county_code: r.get(2)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut s =
        conn.prepare("SELECT code, name, county_code FROM ref_directorate ORDER BY code")?;
    set.directorates = s
        .query_map([], |r| {
            Ok(Directorate {
                code: r.get(0)?,
                name: r.get(1)?,
                county_code: r.get(2)?,
            })
        })?
        .collect::<Result<_, _>>()?;

    let mut s = conn.prepare(
        "SELECT municipality_code, directorate_code, valid_from, valid_to, confirmed FROM ref_jurisdiction
         ORDER BY municipality_code, valid_from",
    )?;
    let rows: Vec<(String, String, String, Option<String>, bool)> = s
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<Result<_, _>>()?;
    for (m, d, from, to, confirmed) in rows {
        set.jurisdictions.push(Jurisdiction {
            municipality_code: m,
            directorate_code: d,
            validity: validity(from, to)?,
            confirmed,
        });
    }

    let mut s = conn.prepare(
        "SELECT code, valid_from, valid_to, confirmed, title_sq, title_en FROM ref_article ORDER BY code, valid_from",
    )?;
    let rows: Vec<(String, String, Option<String>, bool, String, String)> = s
        .query_map([], |r| r.try_into())?
        .collect::<Result<_, _>>()?;
    for (code, from, to, confirmed, sq, en) in rows {
        set.articles.push(Article {
            code,
            title_sq: sq,
            title_en: en,
            validity: validity(from, to)?,
            confirmed,
        });
    }

    let mut s = conn.prepare(
        "SELECT code, name, kind, valid_from, valid_to, confirmed FROM ref_court ORDER BY code, valid_from",
    )?;
    let rows: Vec<(String, String, String, String, Option<String>, bool)> = s
        .query_map([], |r| r.try_into())?
        .collect::<Result<_, _>>()?;
    for (code, name, kind, from, to, confirmed) in rows {
        let kind = match kind.as_str() {
            "first_instance" => CourtKind::FirstInstance,
            "appeal" => CourtKind::Appeal,
            "special" => CourtKind::Special,
            other => return Err(StoreError::Corrupt(format!("court kind {other:?}"))),
        };
        set.courts.push(Court {
            code,
            name,
            kind,
            validity: validity(from, to)?,
            confirmed,
        });
    }

    let mut s = conn.prepare("SELECT code, name_sq, name_en FROM ref_country ORDER BY code")?;
    set.countries = s
        .query_map([], |r| {
            Ok(Country {
                code: r.get(0)?,
                name_sq: r.get(1)?,
                name_en: r.get(2)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(set)
}
