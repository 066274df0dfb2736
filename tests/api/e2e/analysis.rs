//! The analysis screens in a real browser: an investigator goes from the case to its
//! analysis and through each view, marks an account as contradicting a link, and every
//! screen fits a phone's width (its tables scroll inside their boxes, not the page).
//! With CUSTODIA_SCREENSHOTS set, each screen is saved at both sizes.

use custodia::domain::Role;

use super::{Chrome, SIZES};
use crate::analysis_pages::analysis_case;
use crate::helpers::*;

impl Chrome {
    /// Fails when the page is wider than a phone's screen.
    async fn fits_a_phone(&self, screen: &str) {
        let (_, w, h) = SIZES[1];
        self.resize(w, h).await;
        let wider = self.overflow().await;
        self.resize(SIZES[0].1, SIZES[0].2).await;
        assert!(wider.is_none(), "{screen} on a phone: {}", wider.unwrap_or_default());
    }

    /// A view of the analysis: its picture (an SVG with nothing active) and its table.
    async fn shows_picture_and_table(&self, screen: &str, table: &str) {
        self.wait(table).await;
        self.wait("main figure.picture svg").await;
        assert!(!self.exists("main figure.picture script").await, "{screen}: nothing active in the picture");
        self.fits_a_phone(screen).await;
        self.shot(screen).await;
    }
}

#[tokio::test]
async fn an_investigator_walks_through_the_analysis_of_a_case() {
    let app = spawn_app().await;
    app.add_user("dora.documenter", Role::Documenter).await;
    let ivan = app.add_user("ivan.investigator", Role::Investigator).await;
    let doc = app.login("dora.documenter", PASSWORD).await;
    let s = analysis_case(&app, &doc).await;
    app.add_member(s.case.as_str(), ivan).await;
    let Some(b) = Chrome::open(&app).await else { return };
    b.sign_in("ivan.investigator").await;
    b.goto(&format!("/cases/{}", s.case)).await;
    b.follow("#analysis-link").await;
    b.wait_path("the analysis hub", |p| p == format!("/cases/{}/analysis", s.case)).await;
    assert_eq!(b.h1().await, "Analysis");
    b.wait("#top-units").await;
    b.fits_a_phone("analysis").await;
    b.shot("analysis").await;

    b.follow("main nav.views a[href$='/corroboration']").await;
    b.wait_path("the corroboration", |p| p.ends_with("/corroboration")).await;
    b.shows_picture_and_table("corroboration", "#links").await;
    // Only what needs another witness, weakest first.
    b.set("#strength", "single_source").await;
    b.set("#order", "weakest").await;
    b.follow("#corroboration-form button[type=submit]").await;
    b.wait_path("the filtered table", |p| p.contains("strength=single_source")).await;
    let listed = b.wait("#links").await.text().await.unwrap();
    assert!(listed.contains("Single source") && !listed.contains("Corroborated"), "{listed}");
    // Marking an account as contradicting comes back to its row, now contradicted.
    b.goto(&format!("/cases/{}/corroboration", s.case)).await;
    b.follow("#links form.stance button").await;
    b.wait_path("back at the row", |p| p.ends_with("/corroboration")).await;
    b.wait_text("Mark as supporting").await;
    b.wait_text("Contradicted").await;

    b.follow("main nav.views a[href$='/timeline']").await;
    b.wait_path("the timeline", |p| p.ends_with("/timeline")).await;
    // The weeks after the protest, where the incidents are (a year-precision one spans
    // the whole year when no period is chosen).
    b.set("#from", "2020-08-01").await;
    b.set("#to", "2020-09-15").await;
    b.follow("#timeline-form button[type=submit]").await;
    b.wait_path("the period chosen", |p| p.contains("from=2020-08-01")).await;
    b.shows_picture_and_table("timeline", "#timeline-table").await;
    // Narrower, a strip per unit.
    b.set("#from", "2020-08-09").await;
    b.set("#to", "2020-08-14").await;
    b.set("#lanes", "unit").await;
    b.follow("#timeline-form button[type=submit]").await;
    b.wait_path("the period chosen", |p| p.contains("from=2020-08-09")).await;
    b.wait("#timeline-table").await;
    assert!(!b.main_text().await.contains("26 Aug 2020"), "an incident after the period is not listed");

    b.follow("main nav.views a[href$='/patterns']").await;
    b.wait_path("the patterns", |p| p.ends_with("/patterns")).await;
    b.wait("#small-count-rule").await;
    b.shows_picture_and_table("patterns", "#series-act_type").await;

    b.follow("main nav.views a[href$='/map']").await;
    b.wait_path("the map", |p| p.ends_with("/map")).await;
    b.shows_picture_and_table("map", "#places-table").await;

    b.goto(&format!("/cases/{}/analysis", s.case)).await;
    b.follow("#top-units a").await;
    b.wait_path("the chain of command", |p| p.ends_with("/command")).await;
    b.wait_text("Special Police Regiment").await;
    b.shows_picture_and_table("command", "#command-table").await;

    b.goto(&format!("/persons/{}", s.commander)).await;
    b.follow("#linkage-link").await;
    b.wait_path("the linkage", |p| p == format!("/persons/{}/linkage", s.commander)).await;
    b.wait_text("Command responsibility").await;
    b.shows_picture_and_table("linkage", "#responsibility-h").await;
    b.close().await;
}
