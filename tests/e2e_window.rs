//! End to end: the built desktop app in a real WebKitGTK window, driven over WebDriver
//! (tauri-driver → WebKitWebDriver), on a database of 10,000 invented files made by the CLI.
//! A clerk's path: the list, a new file through every step of the form, the person view,
//! a search typed without diacritics, and the CLI finding the same file. Two stations: two
//! app instances open at once on their own databases, a file entered in one window reaching
//! the other through the real central server, the same field changed at both becoming a
//! conflict that a supervisor decides on the conflicts screen, and the status line going
//! offline.
//!
//! Needs the app built with the UI embedded, the CLI in the same profile, `tauri-driver`,
//! `WebKitWebDriver`, an X display and an unlocked Secret Service. scripts/test.sh runs:
//!
//! ```text
//! xvfb-run -a scripts/with-keyring.sh \
//!   cargo test --release --features custom-protocol --test e2e_window -- --ignored --nocapture
//! ```
//!
//! Overrides: REGJISTRI_APP (the app binary), REGJISTRI_CLI (the `regjistri` binary),
//! TAURI_DRIVER (the tauri-driver binary). Screenshots go to artifacts/e2e/.

use std::error::Error;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

type R<T> = Result<T, Box<dyn Error>>;

const SEEDED: u32 = 10_000;
const SURNAME: &str = "Zhapërllaku";
const TYPED: &str = "zhaperllaku";
const WAIT: Duration = Duration::from_secs(30);

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// target/<profile>/ of this test binary (target/<profile>/deps/e2e_window-…).
fn profile_dir() -> R<PathBuf> {
    let exe = std::env::current_exe()?;
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .ok_or_else(|| "cannot locate the target directory".into())
}

fn existing(path: PathBuf, hint: &str) -> R<PathBuf> {
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!("{} does not exist: {hint}", path.display()).into())
    }
}

fn app_binary() -> R<PathBuf> {
    if let Some(p) = std::env::var_os("REGJISTRI_APP") {
        return existing(PathBuf::from(p), "REGJISTRI_APP points nowhere");
    }
    if !cfg!(feature = "custom-protocol") {
        return Err("without --features custom-protocol the app loads the Vite dev server; run \
                    `cargo test --release --features custom-protocol --test e2e_window -- --ignored` \
                    or set REGJISTRI_APP"
            .into());
    }
    // Cargo builds the binary with the same profile and features as this test.
    existing(
        PathBuf::from(env!("CARGO_BIN_EXE_regjistri-desktop")),
        "cargo should have built it",
    )
}

fn cli_binary() -> R<PathBuf> {
    if let Some(p) = std::env::var_os("REGJISTRI_CLI") {
        return existing(PathBuf::from(p), "REGJISTRI_CLI points nowhere");
    }
    let profile = if cfg!(debug_assertions) {
        ""
    } else {
        " --release"
    };
    existing(
        profile_dir()?.join("regjistri"),
        &format!("build it first: cargo build -p regjistri-cli{profile}"),
    )
}

fn tauri_driver_binary() -> R<PathBuf> {
    if let Some(p) = std::env::var_os("TAURI_DRIVER") {
        return existing(PathBuf::from(p), "TAURI_DRIVER points nowhere");
    }
    let on_path = std::env::var_os("PATH").map(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("tauri-driver"))
            .find(|p| p.is_file())
    });
    let in_cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|h| h.join("bin").join("tauri-driver"));
    on_path
        .flatten()
        .or(in_cargo_home.filter(|p| p.is_file()))
        .ok_or_else(|| {
            "tauri-driver not found: cargo install tauri-driver --locked (scripts/setup.sh)".into()
        })
}

fn free_port() -> R<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

const ADMIN_PW: &str = "kyçi i sigurt i zyrës 2026";
const CLERK: &str = "arta.kola";
const SUPERVISOR: &str = "besnik.meta";
const PW: &str = "kalë-i-bardhë-në-mal";

/// Runs the CLI on `db` signed in as the first administrator; its standard output on success.
fn cli(db: &Path, args: &[&str]) -> R<String> {
    cli_as(db, "admin", ADMIN_PW, args)
}

/// Runs the CLI on `db` as `user` (password in REGJISTRI_PASSWORD, a new one, for the
/// `password` command, in REGJISTRI_NEW_PASSWORD).
fn cli_as(db: &Path, user: &str, password: &str, args: &[&str]) -> R<String> {
    let out = Command::new(cli_binary()?)
        .arg("--db")
        .arg(db)
        .args(args)
        .env("REGJISTRI_USER", user)
        .env("REGJISTRI_PASSWORD", password)
        .env("REGJISTRI_NEW_PASSWORD", PW)
        .stderr(Stdio::inherit())
        .output()?;
    if !out.status.success() {
        return Err(format!("regjistri {args:?} failed with {}", out.status).into());
    }
    Ok(String::from_utf8(out.stdout)?)
}

/// tauri-driver on a free port, with REGJISTRI_DB in its environment (WebKitWebDriver and
/// the app inherit it). Stopped with SIGTERM and waited for when dropped: SIGKILL would leave
/// WebKitWebDriver running.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    /// `env`: more environment for the app (tauri-driver and WebKitWebDriver pass it on).
    fn start(db: &Path, env: &[(&str, &str)]) -> R<Driver> {
        let port = free_port()?;
        let mut native_port = free_port()?;
        while native_port == port {
            native_port = free_port()?;
        }
        let child = Command::new(tauri_driver_binary()?)
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env("REGJISTRI_DB", db)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .spawn()?;
        let mut driver = Driver { child, port };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = driver.child.try_wait()? {
                return Err(format!("tauri-driver exited at start: {status}").into());
            }
            if started.elapsed() > WAIT {
                return Err("tauri-driver did not listen within 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(driver)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        eprintln!("tauri-driver ignored SIGTERM for 10 s; killing it");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The clerk and the supervisor of Tirana, each with the password `PW` (set by the user
/// after the one-time password the administrator was given).
fn add_officers(db: &Path) -> R<()> {
    for (user, role) in [(CLERK, "clerk"), (SUPERVISOR, "supervisor")] {
        let out = cli(
            db,
            &[
                "user",
                "add",
                user,
                "--role",
                role,
                "--directorate",
                "dvp-tirane",
            ],
        )?;
        let one_time = out
            .split_whitespace()
            .last()
            .ok_or("no one-time password")?
            .to_string();
        cli_as(db, user, &one_time, &["password"])?;
    }
    Ok(())
}

/// Polls `probe` until it yields a value or `WAIT` passes; `what` names it in the error.
async fn wait_for<T>(what: &str, mut probe: impl AsyncFnMut() -> R<Option<T>>) -> R<T> {
    let started = Instant::now();
    let mut last_error = None;
    loop {
        match probe().await {
            Ok(Some(v)) => return Ok(v),
            Ok(None) => {}
            Err(e) => last_error = Some(e.to_string()),
        }
        if started.elapsed() > WAIT {
            let detail = last_error
                .map(|e| format!(" (last error: {e})"))
                .unwrap_or_default();
            return Err(format!(
                "timed out after {} s waiting for {what}{detail}",
                WAIT.as_secs()
            )
            .into());
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

async fn present(c: &Client, css: &str) -> R<bool> {
    Ok(!c.find_all(Locator::Css(css)).await?.is_empty())
}

async fn text_of(c: &Client, css: &str) -> R<Option<String>> {
    match c.find_all(Locator::Css(css)).await?.first() {
        Some(e) => Ok(Some(e.text().await?)),
        None => Ok(None),
    }
}

fn field(path: &str) -> String {
    format!("[data-field=\"{path}\"]")
}

async fn type_into(c: &Client, path: &str, text: &str) -> R<()> {
    let input = c
        .find(Locator::Css(&field(path)))
        .await
        .map_err(|e| format!("input {path}: {e}"))?;
    input.click().await?;
    input.send_keys(text).await?;
    let value = input.prop("value").await?.unwrap_or_default();
    if value != text {
        return Err(format!("typed {text:?} into {path} but it holds {value:?}").into());
    }
    Ok(())
}

async fn choose(c: &Client, path: &str, value: &str) -> R<()> {
    let select = c
        .find(Locator::Css(&field(path)))
        .await
        .map_err(|e| format!("select {path}: {e}"))?;
    select
        .select_by_value(value)
        .await
        .map_err(|e| format!("option {value} of {path}: {e}"))?;
    let now = select.prop("value").await?.unwrap_or_default();
    if now != value {
        return Err(format!("chose {value:?} in {path} but it shows {now:?}").into());
    }
    Ok(())
}

async fn click(c: &Client, css: &str) -> R<()> {
    let e = wait_for(css, async || {
        Ok(c.find_all(Locator::Css(css)).await?.into_iter().next())
    })
    .await?;
    e.click().await?;
    Ok(())
}

/// "Next" and wait for the form to show `step`; on failure, the problems the form shows.
async fn next_step(c: &Client, step: &str) -> R<()> {
    click(c, "[data-testid=next-step]").await?;
    let css = format!("[data-step=\"{step}\"]");
    if let Err(e) = wait_for(&format!("step {step}"), async || {
        Ok(present(c, &css).await?.then_some(()))
    })
    .await
    {
        let problems = text_of(c, "[data-testid=problem-summary]")
            .await?
            .unwrap_or_default();
        let form_error = text_of(c, "[data-testid=form-error]")
            .await?
            .unwrap_or_default();
        return Err(format!("{e}; problems shown: {problems:?} {form_error:?}").into());
    }
    Ok(())
}

async fn screenshot(c: &Client, name: &str) -> R<PathBuf> {
    let dir = repo_root().join("artifacts").join("e2e");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{name}.png"));
    match c.screenshot().await {
        Ok(png) => std::fs::write(&path, png)?,
        Err(e) => {
            // Fall back to the X display (ImageMagick), as the window is all there is on it.
            eprintln!("WebDriver screenshot failed ({e}); using `import -window root`");
            let ok = Command::new("import")
                .args(["-window", "root"])
                .arg(&path)
                .status()?
                .success();
            if !ok {
                return Err(format!("no screenshot for {name}").into());
            }
        }
    }
    eprintln!("screenshot: {}", path.display());
    Ok(path)
}

/// Signs in through the sign-in screen and waits for the signed-in header.
async fn sign_in(c: &Client, user: &str) -> R<()> {
    let field = wait_for("the sign-in form", async || {
        Ok(c.find_all(Locator::Css("[data-testid=sign-in-user]"))
            .await?
            .into_iter()
            .next())
    })
    .await?;
    field.click().await?;
    field.send_keys(user).await?;
    let password = c
        .find(Locator::Css("[data-testid=sign-in-password]"))
        .await?;
    password.click().await?;
    password.send_keys(PW).await?;
    click(c, "[data-testid=sign-in-submit]").await?;
    wait_for(&format!("{user} signed in"), async || {
        Ok(text_of(c, "[data-testid=current-user]")
            .await?
            .filter(|t| t.contains(user)))
    })
    .await?;
    Ok(())
}

/// The supervisor's path: sign out the clerk, sign in, approve the new file from the queue.
async fn approve(c: &Client, saved_id: &str) -> R<()> {
    click(c, "[data-testid=sign-out]").await?;
    sign_in(c, SUPERVISOR).await?;
    click(c, "[data-testid=nav-approvals]").await?;
    let row = wait_for(&format!("{SURNAME} in the approval queue"), async || {
        for row in c
            .find_all(Locator::Css("[data-testid=approval-row]"))
            .await?
        {
            if row.attr("data-id").await?.as_deref() == Some(saved_id) {
                return Ok(Some(row));
            }
        }
        Ok(None)
    })
    .await?;
    screenshot(c, "approvals").await?;
    // A table row is not "interactable" for WebKitWebDriver; its link button is. The queue
    // holds every pending file of the directorate, so bring it into view first.
    let open = row.find(Locator::Css("button")).await?;
    c.execute(
        "arguments[0].scrollIntoView({ block: 'center' });",
        vec![serde_json::to_value(&open)?],
    )
    .await?;
    open.click().await?;
    wait_for("the person view", async || {
        Ok(text_of(c, "[data-testid=person-view]")
            .await?
            .filter(|t| t.contains(SURNAME)))
    })
    .await?;
    let badge = c
        .find(Locator::Css("[data-testid=registered-badge]"))
        .await?;
    assert_eq!(
        badge.attr("data-registered").await?.as_deref(),
        Some("false"),
        "pending is not registered"
    );
    click(c, "[data-testid=approve-file]").await?;
    wait_for("the file registered", async || {
        let Some(b) = c
            .find_all(Locator::Css("[data-testid=registered-badge]"))
            .await?
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        Ok(b.attr("data-registered").await?.filter(|r| r == "true"))
    })
    .await?;
    screenshot(c, "approved").await?;
    Ok(())
}

/// A new file of Tirana through every step of the form, saved; its id once the person view
/// shows it. Conviction, articles and address as a clerk would type them.
async fn new_file_through_the_form(c: &Client) -> R<String> {
    click(c, "[data-testid=new-file]").await?;
    wait_for("the identity step", async || {
        Ok(present(c, "[data-step=identity]").await?.then_some(()))
    })
    .await?;
    type_into(c, "identity.surname", SURNAME).await?;
    type_into(c, "identity.given_name", "Ilirjan").await?;
    type_into(c, "identity.father_name", "Gjergj").await?;
    choose(c, "identity.sex", "M").await?;
    type_into(c, "identity.date_of_birth", "14.03.1981").await?;
    next_step(c, "description").await?;
    next_step(c, "convictions").await?;
    if !present(c, &field("convictions.0.court_code")).await? {
        click(c, "[data-testid=add-conviction]").await?;
    }
    choose(c, "convictions.0.court_code", "gj-tirane").await?;
    type_into(c, "convictions.0.decision_number", "812/2016").await?;
    type_into(c, "convictions.0.decision_date", "11.04.2016").await?;
    type_into(c, "convictions.0.final_date", "23.05.2016").await?;
    click(
        c,
        &format!("{}[value=\"100\"]", field("convictions.0.articles")),
    )
    .await?;
    type_into(c, "convictions.0.sentence_months", "60").await?;
    next_step(c, "addresses").await?;
    if !present(c, &field("addresses.0.kind")).await? {
        click(c, "[data-testid=add-address]").await?;
    }
    choose(c, "addresses.0.kind", "residence").await?;
    choose(c, "addresses.0.municipality_code", "tirane").await?;
    type_into(c, "addresses.0.street", "Rruga e Durrësit 25").await?;
    type_into(c, "addresses.0.from", "01.06.2021").await?;
    next_step(c, "review").await?;
    if present(c, "[data-testid=confirm-warnings]").await? {
        click(c, "[data-testid=confirm-warnings]").await?;
    }
    screenshot(c, "review").await?;
    click(c, "[data-testid=save-file]").await?;

    let saved_id = wait_for("the person view of the saved file", async || {
        if let Some(problems) = text_of(c, "[data-testid=problem-summary]").await? {
            return Err(format!("saving was refused: {problems}").into());
        }
        if let Some(error) = text_of(c, "[data-testid=form-error]").await? {
            return Err(format!("saving failed: {error}").into());
        }
        let Some(view) = c
            .find_all(Locator::Css("[data-testid=person-view][data-id]"))
            .await?
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        Ok(view.attr("data-id").await?)
    })
    .await?;
    let shown = wait_for("the surname in the person view", async || {
        Ok(text_of(c, "[data-testid=person-view]")
            .await?
            .filter(|t| t.contains(SURNAME)))
    })
    .await?;
    assert!(
        shown.contains("Ilirjan"),
        "the person view shows the given name too"
    );
    Ok(saved_id)
}

/// The clerk's path through the window; see the module documentation.
/// The clerk's landing screen: the directorate's dashboard agrees with `regjistri overdue`;
/// a check-in recorded through the timeline takes a person off the overdue list.
async fn dashboard(c: &Client, db: &Path) -> R<()> {
    let wanted: Value = serde_json::from_str(&cli_as(db, CLERK, PW, &["overdue", "--json"])?)?;
    let overdue = wanted["overdue"].as_array().ok_or("no overdue list")?;
    let travelling = wanted["travelling"]
        .as_array()
        .ok_or("no travelling list")?;
    assert!(
        !overdue.is_empty() && !travelling.is_empty(),
        "the seeded directorate has overdue and travelling persons"
    );
    let name = |row: &Value| {
        format!(
            "{} {}",
            row["file"]["surname"].as_str().unwrap_or_default(),
            row["file"]["given_name"].as_str().unwrap_or_default()
        )
    };
    wait_for("the dashboard's overdue list", async || {
        if let Some(error) = text_of(c, "[data-testid=startup-error]").await? {
            return Err(format!("the app shows a startup error: {error}").into());
        }
        Ok(present(c, "#dashboard-overdue").await?.then_some(()))
    })
    .await?;
    let rows = |section: &'static str| async move {
        let mut out = Vec::new();
        for row in c
            .find_all(Locator::Css(&format!(
                "{section} [data-testid=dashboard-row]"
            )))
            .await?
        {
            out.push((
                row.attr("data-id").await?.unwrap_or_default(),
                row.text().await?,
            ));
        }
        Ok::<_, Box<dyn std::error::Error>>(out)
    };
    let shown_overdue = rows("#dashboard-overdue").await?;
    let shown_travelling = rows("#dashboard-travelling").await?;
    assert_eq!(
        shown_overdue.len(),
        overdue.len(),
        "the window lists as many overdue persons as `regjistri overdue`"
    );
    let first = &overdue[0];
    let first_id = first["file"]["id"].as_str().unwrap_or_default().to_string();
    assert_eq!(
        shown_overdue[0],
        (first_id.clone(), name(first)),
        "longest overdue first, by name"
    );
    assert!(
        travelling
            .iter()
            .all(|t| shown_travelling.iter().any(|(id, text)| id
                == t["file"]["id"].as_str().unwrap_or_default()
                && text == &name(t))),
        "every person travelling today is listed: {shown_travelling:?}"
    );
    screenshot(c, "dashboard").await?;

    // The longest-overdue person reports today: record the check-in on the timeline.
    click(
        c,
        &format!("#dashboard-overdue [data-testid=dashboard-row][data-id=\"{first_id}\"]"),
    )
    .await?;
    wait_for("the person view", async || {
        Ok(present(
            c,
            &format!("[data-testid=person-view][data-id=\"{first_id}\"]"),
        )
        .await?
        .then_some(()))
    })
    .await?;
    click(c, "#open-timeline").await?;
    wait_for("the timeline, overdue", async || {
        let Some(t) = c
            .find_all(Locator::Css("#timeline[data-status]"))
            .await?
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        Ok(t.attr("data-status").await?.filter(|s| s == "overdue"))
    })
    .await?;
    click(c, "[data-record-kind=check_in]").await?;
    let today =
        regjistri_domain::dates::format(regjistri_domain::dates::local_date(chrono::Utc::now()));
    type_into(c, "record.date", &today).await?;
    // No photo at this check-in: the form then asks why.
    type_into(c, "record.no_photo_reason", "Kamera nuk punon").await?;
    // The officer who takes a check-in is the one signed in, unless changed.
    let officer = c
        .find(Locator::Css(&field("record.officer")))
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    assert_eq!(officer, CLERK, "the form names the signed-in officer");
    click(c, "#record-save").await?;
    let status = wait_for("the timeline no longer overdue", async || {
        let Some(t) = c
            .find_all(Locator::Css("#timeline[data-status]"))
            .await?
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        Ok(t.attr("data-status").await?.filter(|s| s != "overdue"))
    })
    .await?;
    eprintln!("after the check-in the person is {status}");
    screenshot(c, "timeline").await?;
    let after: Value = serde_json::from_str(&cli_as(db, CLERK, PW, &["overdue", "--json"])?)?;
    assert!(
        after["overdue"]
            .as_array()
            .is_some_and(|rows| rows.iter().all(|r| r["file"]["id"] != json!(first_id))),
        "the CLI agrees: no longer overdue"
    );
    Ok(())
}

async fn drive(c: &Client, db: &Path) -> R<()> {
    sign_in(c, CLERK).await?;
    dashboard(c, db).await?;
    click(c, "#nav-search").await?;
    // 3. The list of every file, or the startup error if the database did not open.
    let total = wait_for("the list (or a startup error)", async || {
        if let Some(error) = text_of(c, "[data-testid=startup-error]").await? {
            return Err(format!("the app shows a startup error: {error}").into());
        }
        let Some(e) = c
            .find_all(Locator::Css("[data-testid=result-total]"))
            .await?
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        Ok(e.attr("data-total").await?.filter(|t| t != "0"))
    })
    .await?;
    assert_eq!(
        total,
        SEEDED.to_string(),
        "result-total shows every seeded file"
    );
    let rows = c
        .find_all(Locator::Css("[data-testid=result-row]"))
        .await?
        .len();
    assert!(
        rows > 0 && rows <= 200,
        "the first page shows some rows, not all: {rows}"
    );
    screenshot(c, "list").await?;

    // The window runs under the strict CSP and without the global Tauri object.
    let probe = c
        .execute(
            "const s = document.createElement('script');
             s.textContent = 'window.__cspProbe = 1';
             document.head.appendChild(s);
             return [window.__cspProbe === 1, typeof window.__TAURI__, typeof window.__TAURI_INTERNALS__];",
            vec![],
        )
        .await?;
    assert_eq!(
        probe,
        json!([false, "undefined", "object"]),
        "an inline script must be blocked by the CSP and withGlobalTauri be off (the probe runs \
         beside the page's own scripts, where Tauri's internals are)"
    );

    // 4. A new file through every step of the form.
    let saved_id = new_file_through_the_form(c).await?;
    eprintln!("saved file {saved_id}");
    screenshot(c, "person").await?;
    // The header's count follows the new file.
    wait_for("the file count 10001", async || {
        let Some(e) = c
            .find_all(Locator::Css("[data-testid=file-count]"))
            .await?
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        Ok(e.attr("data-count")
            .await?
            .filter(|n| n == &(SEEDED + 1).to_string()))
    })
    .await?;

    // 5. Back to the list; the surname typed in lower case without diacritics.
    click(c, "[data-testid=back]").await?;
    let input = wait_for("the search input", async || {
        Ok(c.find_all(Locator::Css("[data-testid=search-input]"))
            .await?
            .into_iter()
            .next())
    })
    .await?;
    input.click().await?;
    input.send_keys(TYPED).await?;
    let row_id = wait_for(&format!("{SURNAME} as the first result"), async || {
        let Some(row) = c
            .find_all(Locator::Css("[data-testid=result-row]"))
            .await?
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        if !row.text().await?.contains(SURNAME) {
            return Ok(None);
        }
        Ok(row.attr("data-id").await?)
    })
    .await?;
    assert_eq!(row_id, saved_id, "the first result is the file just saved");
    let total = text_of(c, "[data-testid=result-total]")
        .await?
        .unwrap_or_default();
    eprintln!("search {TYPED:?}: {total}");
    screenshot(c, "search").await?;

    // 6. The CLI finds the same file in the same database.
    let out = cli(db, &["search", TYPED, "--json"])?;
    let page: Value = serde_json::from_str(&out)?;
    let first = &page["items"][0];
    assert_eq!(first["surname"], json!(SURNAME), "CLI: {out}");
    assert_eq!(
        first["id"],
        json!(saved_id),
        "CLI and window show the same file"
    );
    assert_eq!(first["date_of_birth"], json!("1981-03-14"), "CLI: {out}");
    assert_eq!(page["interpreted_as"], json!("name"));

    // 7. Four eyes: a supervisor of the same directorate approves it.
    approve(c, &saved_id).await?;
    let shown: Value = serde_json::from_str(&cli(db, &["show", &saved_id, "--json"])?)?;
    assert_eq!(shown["registered"], json!(true));
    assert_eq!(
        shown["history"]
            .as_array()
            .and_then(|h| h.last())
            .map(|h| h["actor"].clone()),
        Some(json!(SUPERVISOR))
    );
    Ok(())
}

/// Starts tauri-driver (which starts the app on `db`), runs `steps` in the window, and
/// always ends the session and the driver, with a screenshot `<name>-failure.png` on failure.
async fn in_window(name: &str, db: &Path, steps: impl AsyncFnOnce(&Client) -> R<()>) -> R<()> {
    in_window_with(name, db, &[], steps).await
}

async fn in_window_with(
    name: &str,
    db: &Path,
    env: &[(&str, &str)],
    steps: impl AsyncFnOnce(&Client) -> R<()>,
) -> R<()> {
    let window = Window::open(name, db, env).await?;
    let started = Instant::now();
    let result = steps(&window.client).await;
    window.close(result).await?;
    eprintln!(
        "{name}: window steps took {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// One running app (its own tauri-driver, WebKitWebDriver and process) with a WebDriver
/// session; several can be open at once, each on its own database.
struct Window {
    name: String,
    client: Client,
    driver: Driver,
}

impl Window {
    async fn open(name: &str, db: &Path, env: &[(&str, &str)]) -> R<Window> {
        let app = app_binary()?;
        // The station's client brings rustls's ring provider and the WebDriver client
        // another: say which one this process uses (a second call finds it set).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let driver = Driver::start(db, env)?;
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("wry"));
        capabilities.insert("tauri:options".into(), json!({ "application": app }));
        let client = ClientBuilder::rustls()?
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
            .map_err(|e| {
                format!("no WebDriver session (is there a display? run under xvfb-run -a): {e}")
            })?;
        Ok(Window {
            name: name.to_string(),
            client,
            driver,
        })
    }

    /// Ends the session (which closes the app), then the driver; on a failed `result`, a
    /// screenshot `<name>-failure.png` first. Returns `result`, else the closing error.
    async fn close(self, result: R<()>) -> R<()> {
        if result.is_err() {
            let _ = screenshot(&self.client, &format!("{}-failure", self.name)).await;
        }
        let closed = self.client.close().await;
        drop(self.driver);
        result?;
        closed?;
        Ok(())
    }
}

#[tokio::test]
#[ignore = "needs the release app with custom-protocol, tauri-driver, an X display and a keyring: scripts/test.sh runs it"]
async fn a_clerk_creates_a_file_and_finds_it_without_diacritics() -> R<()> {
    app_binary()?;
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("e2e.db");

    // 0. The database, its first administrator, a clerk and a supervisor of Tirana; each
    //    changes the one-time password the administrator was given.
    cli_as(&db, "nobody", "", &["init"])?;
    cli(
        &db,
        &[
            "user",
            "create-admin",
            "admin",
            "--directorate",
            "dvp-tirane",
        ],
    )?;
    add_officers(&db)?;

    // 1. 10,000 invented files, made by the CLI.
    let started = Instant::now();
    cli(
        &db,
        &["seed", "--count", &SEEDED.to_string(), "--seed", "7"],
    )?;
    eprintln!(
        "seeded {SEEDED} files in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let before: Value = serde_json::from_str(&cli(&db, &["search", TYPED, "--json"])?)?;
    assert!(
        before["items"]
            .as_array()
            .is_some_and(|items| items.iter().all(|i| i["surname"] != json!(SURNAME))),
        "{SURNAME} must not be among the seeded files"
    );

    // 2.–6. In the window (tauri-driver starts the app with REGJISTRI_DB), then the CLI.
    in_window("clerk", &db, async |c| drive(c, &db).await).await?;

    // The audit trail written by the app and the CLI is intact.
    let audit = cli(&db, &["audit", "verify"])?;
    assert!(audit.contains("intact"), "{audit}");
    Ok(())
}

#[tokio::test]
#[ignore = "needs the release app with custom-protocol, tauri-driver, an X display and a keyring: scripts/test.sh runs it"]
async fn a_database_that_cannot_be_opened_shows_the_startup_error() -> R<()> {
    app_binary()?;
    let dir = tempfile::tempdir()?;
    // A file where the database should be, but no key for it in the key store: the app
    // must refuse (never create a new key over it), and still start to say so.
    let db = dir.path().join("no-key.db");
    std::fs::write(&db, b"not an encrypted database, and no key for it")?;
    in_window("startup-error", &db, async |c| {
        let code = wait_for("the startup error", async || {
            text_of(c, "[data-testid=startup-error-code]").await
        })
        .await?;
        assert_eq!(code, "database_without_key");
        let message = text_of(c, "[data-testid=startup-error]")
            .await?
            .unwrap_or_default();
        assert!(
            message.contains("Contact the administrator") || message.contains("administratorin"),
            "{message}"
        );
        assert!(
            !present(c, "[data-testid=search-input]").await?,
            "no list without a database"
        );
        screenshot(c, "startup-error").await?;
        Ok(())
    })
    .await?;
    let untouched = std::fs::read(&db)?;
    assert_eq!(
        untouched, b"not an encrypted database, and no key for it",
        "the file is not changed"
    );
    Ok(())
}

// ---- two stations through the central server ----

fn server_binary() -> R<PathBuf> {
    if let Some(p) = std::env::var_os("REGJISTRI_SERVER_BIN") {
        return existing(PathBuf::from(p), "REGJISTRI_SERVER_BIN points nowhere");
    }
    let profile = if cfg!(debug_assertions) {
        ""
    } else {
        " --release"
    };
    existing(
        profile_dir()?.join("regjistri-server"),
        &format!("build it first: cargo build -p regjistri-server{profile}"),
    )
}

/// The real `regjistri-server` binary on a free port, over the PostgreSQL of DATABASE_URL;
/// killed when dropped.
struct CentralServer {
    child: Child,
    state: PathBuf,
    url: String,
}

impl CentralServer {
    fn start(state: &Path) -> R<CentralServer> {
        let database = std::env::var("DATABASE_URL")
            .map_err(|_| "DATABASE_URL is not set: run under scripts/with-postgres.sh")?;
        let run = |args: &[&str]| -> R<()> {
            let ok = Command::new(server_binary()?)
                .arg("--dir")
                .arg(state)
                .args(args)
                .env("DATABASE_URL", &database)
                .env("RUST_LOG", "warn")
                .status()?
                .success();
            if ok {
                Ok(())
            } else {
                Err(format!("regjistri-server {args:?} failed").into())
            }
        };
        run(&["init", "--host", "localhost"])?;
        let port = free_port()?;
        let listen = format!("127.0.0.1:{port}");
        let child = Command::new(server_binary()?)
            .arg("--dir")
            .arg(state)
            .args(["serve", "--listen", &listen])
            .env("DATABASE_URL", &database)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .spawn()?;
        let mut server = CentralServer {
            child,
            state: state.to_path_buf(),
            url: format!("https://localhost:{port}"),
        };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = server.child.try_wait()? {
                return Err(format!("regjistri-server exited at start: {status}").into());
            }
            if started.elapsed() > WAIT {
                return Err("regjistri-server did not listen within 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(server)
    }

    /// Issues a station's bundle into `out`.
    fn enrol(&self, code: &str, directorate: &str, out: &Path) -> R<()> {
        let database = std::env::var("DATABASE_URL")?;
        let ok = Command::new(server_binary()?)
            .arg("--dir")
            .arg(&self.state)
            .args(["enrol-station", code, "--directorate", directorate, "--out"])
            .arg(out)
            .env("DATABASE_URL", database)
            .env("RUST_LOG", "warn")
            .status()?
            .success();
        if ok {
            Ok(())
        } else {
            Err(format!("enrol-station {code} failed").into())
        }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for CentralServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A workstation database with its administrator, a clerk and a supervisor of Tirana,
/// enrolled as `code`.
fn station_db(dir: &Path, name: &str, server: &CentralServer, code: &str) -> R<PathBuf> {
    let db = dir.join(format!("{name}.db"));
    cli_as(&db, "nobody", "", &["init"])?;
    cli(
        &db,
        &[
            "user",
            "create-admin",
            "admin",
            "--directorate",
            "dvp-tirane",
        ],
    )?;
    add_officers(&db)?;
    let bundle = dir.join(format!("{code}.station.pem"));
    server.enrol(code, "dvp-tirane", &bundle)?;
    let enrolled = cli(
        &db,
        &[
            "station",
            "enrol",
            "--server",
            &server.url,
            "--bundle",
            bundle.to_str().ok_or("path")?,
        ],
    )?;
    assert!(enrolled.contains(code), "{enrolled}");
    assert!(
        !bundle.exists(),
        "the bundle, with its private key, is deleted"
    );
    Ok(db)
}

async fn sync_status(c: &Client) -> R<Option<(String, String, String)>> {
    let Some(e) = c
        .find_all(Locator::Css("[data-testid=sync-status]"))
        .await?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    Ok(Some((
        e.attr("data-enrolled").await?.unwrap_or_default(),
        e.attr("data-online").await?.unwrap_or_default(),
        e.attr("data-pending").await?.unwrap_or_default(),
    )))
}

/// The time of the last successful round on the status line, if any.
async fn last_success(c: &Client) -> R<Option<String>> {
    match c
        .find_all(Locator::Css("[data-testid=sync-last-success]"))
        .await?
        .into_iter()
        .next()
    {
        Some(e) => Ok(e.attr("data-at").await?),
        None => Ok(None),
    }
}

/// "Sinkronizo tani", and wait for a round that succeeds after it (a new last-success time)
/// with nothing left to push.
async fn sync_now(c: &Client) -> R<()> {
    let before = last_success(c).await?;
    click(c, "[data-testid=sync-now]").await?;
    wait_for("a new successful round", async || {
        let now = last_success(c).await?;
        if now.is_none() || now == before {
            return Ok(None);
        }
        Ok(sync_status(c)
            .await?
            .filter(|(_, online, pending)| online == "true" && pending == "0"))
    })
    .await?;
    Ok(())
}

/// The number of files the search screen lists (every file of the station when empty).
async fn listed_total(c: &Client) -> R<Option<u32>> {
    let Some(t) = c
        .find_all(Locator::Css("[data-testid=result-total]"))
        .await?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    Ok(t.attr("data-total").await?.and_then(|n| n.parse().ok()))
}

/// Opens the file `id` from the search list (a table row is not "interactable" for
/// WebKitWebDriver, so the click is the row's own, in the page).
async fn open_from_list(c: &Client, id: &str) -> R<()> {
    let row = wait_for("the file in the list", async || {
        for row in c.find_all(Locator::Css("[data-testid=result-row]")).await? {
            if row.attr("data-id").await?.as_deref() == Some(id) {
                return Ok(Some(row));
            }
        }
        Ok(None)
    })
    .await?;
    c.execute("arguments[0].click();", vec![serde_json::to_value(&row)?])
        .await?;
    person_view_of(c, id).await
}

async fn person_view_of(c: &Client, id: &str) -> R<()> {
    let css = format!("[data-testid=person-view][data-id=\"{id}\"]");
    wait_for("the person view", async || {
        if let Some(error) = text_of(c, "[data-testid=form-error]").await? {
            return Err(format!("saving failed: {error}").into());
        }
        if let Some(problems) = text_of(c, "[data-testid=problem-summary]").await? {
            return Err(format!("saving was refused: {problems}").into());
        }
        Ok(present(c, &css).await?.then_some(()))
    })
    .await
}

/// From the person view of `id`: the edit form, the height typed into the (empty) field of
/// the description step, every step checked, saved; then the change waits to go up.
async fn edit_height(c: &Client, id: &str, height: &str) -> R<()> {
    click(c, "[data-testid=edit-file]").await?;
    wait_for("the file loaded into the form", async || {
        let Some(e) = c
            .find_all(Locator::Css(&field("identity.surname")))
            .await?
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        Ok(e.prop("value").await?.filter(|v| v == SURNAME))
    })
    .await?;
    next_step(c, "description").await?;
    type_into(c, "description.height_cm", height).await?;
    for step in ["convictions", "addresses", "review"] {
        next_step(c, step).await?;
    }
    if present(c, "[data-testid=confirm-warnings]").await? {
        click(c, "[data-testid=confirm-warnings]").await?;
    }
    click(c, "[data-testid=save-file]").await?;
    person_view_of(c, id).await?;
    wait_for("the change waiting to go up", async || {
        Ok(sync_status(c)
            .await?
            .filter(|(_, _, pending)| pending != "0"))
    })
    .await?;
    Ok(())
}

/// Both clerks change the height of file `id` offline from each other, B's reaching the
/// server first: A's becomes a conflict, which A's supervisor decides on the conflicts
/// screen by typing a third value; both stations then hold it. `wa` shows the list, `wb`
/// the person view.
async fn same_field_decided_by_a_supervisor(wa: &Client, wb: &Client, id: &str) -> R<()> {
    open_from_list(wa, id).await?;
    edit_height(wb, id, "181").await?;
    sync_now(wb).await?;
    edit_height(wa, id, "178").await?;
    sync_now(wa).await?;

    click(wa, "[data-testid=sign-out]").await?;
    sign_in(wa, SUPERVISOR).await?;
    click(wa, "[data-testid=nav-conflicts]").await?;
    let row = wait_for("the conflict on the height", async || {
        if let Some(error) = text_of(wa, "[data-testid=conflicts-error]").await? {
            return Err(format!("the conflicts did not load: {error}").into());
        }
        for row in wa
            .find_all(Locator::Css("[data-testid=conflict-row]"))
            .await?
        {
            if row.text().await?.contains(SURNAME) {
                return Ok(Some(row));
            }
        }
        Ok(None)
    })
    .await?;
    assert_eq!(
        row.attr("data-may-resolve").await?.as_deref(),
        Some("true"),
        "a supervisor who made neither change decides"
    );
    let height = row
        .find(Locator::Css(
            "[data-testid=conflict-field][data-path$=\"height_cm\"]",
        ))
        .await
        .map_err(|e| format!("no conflict on the height: {e}"))?;
    let text = height.text().await?;
    assert!(
        text.contains("181") && text.contains("178"),
        "both values are shown: {text}"
    );
    height
        .find(Locator::Css("input[data-side=edit]"))
        .await?
        .click()
        .await?;
    let typed = height
        .find(Locator::Css("[data-testid=conflict-edit-value]"))
        .await?;
    wait_for("the value field enabled", async || {
        Ok(typed.is_enabled().await?.then_some(()))
    })
    .await?;
    // The field starts from the station's value: erased by keyboard, then the third value.
    let held = typed.prop("value").await?.unwrap_or_default();
    let erase: String = held
        .chars()
        .map(|_| char::from(fantoccini::key::Key::Backspace))
        .collect();
    typed.send_keys(&format!("{erase}180")).await?;
    assert_eq!(typed.prop("value").await?.as_deref(), Some("180"));
    screenshot(wa, "conflict").await?;
    row.find(Locator::Css("[data-testid=conflict-resolve]"))
        .await?
        .click()
        .await?;
    wait_for("the conflict decided", async || {
        if let Some(error) = text_of(wa, "[data-testid=conflict-error]").await? {
            return Err(format!("the decision was refused: {error}").into());
        }
        Ok(present(wa, "[data-testid=conflicts-empty]")
            .await?
            .then_some(()))
    })
    .await?;
    sync_now(wa).await?;
    sync_now(wb).await?;
    Ok(())
}

#[tokio::test]
#[ignore = "needs the built app, the server, PostgreSQL, a display and tauri-driver: see the file's doc"]
async fn two_stations_synchronise_through_the_central_server() -> R<()> {
    app_binary()?;
    let dir = tempfile::tempdir()?;
    let mut server = CentralServer::start(&dir.path().join("server"))?;
    let a = station_db(dir.path(), "a", &server, "st-tr-01")?;
    let b = station_db(dir.path(), "b", &server, "st-tr-02")?;

    // Station B's command line enters files (invented, of its own directorate) and
    // synchronises them.
    cli(&b, &["seed", "--count", "40", "--seed", "11"])?;
    let pushed = cli_as(&b, CLERK, PW, &["sync"])?;
    assert!(pushed.contains(" 0 rejected"), "{pushed}");

    // Two app instances at once, each on its own database: B's clerk enters a file through
    // the form and sends it with "Sinkronizo tani"; A's clerk brings it, with B's 40, the
    // same way. Background rounds come only at start and then hourly, so that the new file
    // moves by the buttons.
    let env = [("REGJISTRI_SYNC_SECONDS", "3600")];
    let window_b = Window::open("sync-b", &b, &env).await?;
    let window_a = match Window::open("sync-a", &a, &env).await {
        Ok(w) => w,
        Err(e) => return window_b.close(Err(e)).await,
    };
    let (wa, wb) = (&window_a.client, &window_b.client);
    let exchanged: R<String> = async {
        sign_in(wb, CLERK).await?;
        sign_in(wa, CLERK).await?;
        for c in [wa, wb] {
            let (enrolled, _, _) =
                wait_for("the sync status line", async || sync_status(c).await).await?;
            assert_eq!(enrolled, "true");
        }
        click(wb, "[data-testid=nav-search]").await?;
        let saved_id = new_file_through_the_form(wb).await?;
        wait_for("B's new file waiting to go up", async || {
            Ok(sync_status(wb)
                .await?
                .filter(|(_, _, pending)| pending != "0"))
        })
        .await?;
        sync_now(wb).await?;
        screenshot(wb, "sync-b-sent").await?;

        sync_now(wa).await?;
        click(wa, "[data-testid=nav-search]").await?;
        let total = wait_for("B's 41 files in A's list", async || {
            Ok(listed_total(wa).await?.filter(|n| *n == 41))
        })
        .await?;
        assert_eq!(total, 41);
        let input = wait_for("the search input", async || {
            Ok(wa
                .find_all(Locator::Css("[data-testid=search-input]"))
                .await?
                .into_iter()
                .next())
        })
        .await?;
        input.click().await?;
        input.send_keys(TYPED).await?;
        let found = wait_for(&format!("{SURNAME} at station A"), async || {
            let Some(row) = wa
                .find_all(Locator::Css("[data-testid=result-row]"))
                .await?
                .into_iter()
                .next()
            else {
                return Ok(None);
            };
            if !row.text().await?.contains(SURNAME) {
                return Ok(None);
            }
            Ok(row.attr("data-id").await?)
        })
        .await?;
        assert_eq!(found, saved_id, "A holds the very file B's clerk entered");
        screenshot(wa, "sync-online").await?;
        same_field_decided_by_a_supervisor(wa, wb, &saved_id).await?;
        Ok(saved_id)
    }
    .await;
    let saved_id = match exchanged {
        Ok(id) => id,
        Err(e) => {
            let failed = window_a.close(Err(e)).await;
            let _ = window_b.close(Ok(())).await;
            return failed;
        }
    };
    window_b.close(Ok(())).await?;

    // The server goes away: A's next attempt says so, and the work goes on.
    let offline: R<()> = async {
        server.stop();
        click(wa, "[data-testid=sync-now]").await?;
        let sync_wait = Instant::now();
        loop {
            if let Some((_, online, _)) = sync_status(wa).await? {
                if online == "false" {
                    break;
                }
            }
            if sync_wait.elapsed() > Duration::from_secs(90) {
                return Err("the status line never said offline".into());
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        screenshot(wa, "sync-offline").await?;
        Ok(())
    }
    .await;
    window_a.close(offline).await?;

    // The command lines agree: the file is at both stations, nothing waits to go up, and
    // both trails are intact.
    for db in [&a, &b] {
        let shown: Value = serde_json::from_str(&cli(db, &["show", &saved_id, "--json"])?)?;
        assert_eq!(shown["file"]["id"], json!(saved_id));
        assert_eq!(
            shown["file"]["data"]["description"]["height_cm"],
            json!(180),
            "the supervisor's decision, at both stations"
        );
        let status = cli(db, &["station", "status"])?;
        assert!(status.contains("pending changes: 0"), "{status}");
        let audit = cli(db, &["audit", "verify"])?;
        assert!(audit.contains("intact"), "{audit}");
    }
    Ok(())
}
