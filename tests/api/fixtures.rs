//! The worlds tests start from, made through the typed client (helpers): a draft in a
//! case of its own for tests about something else; the Okrestina case its staff work
//! in (the case model); the Zhodino case whose witnesses gave every kind of consent
//! (bundles); the fictional case a browser walks through (e2e). Last, the cases the
//! page tests make through the forms themselves, since how the forms record is part of
//! what those tests show. Each asserts what it relies on as it builds, so a test fails
//! at its set-up rather than later, puzzlingly.

use custodia::domain::Role;

use crate::helpers::*;
use crate::web::{Browser, location, testimony_fields};

// ---- One record for tests about something else -------------------------------------

/// A new case led by `token`'s documenter, with one witness and one draft testimony
/// given with `consent`: (case, testimony).
pub async fn testimony_in_new_case(app: &TestApp, token: &str, consent: Consent) -> (CaseId, TestimonyId) {
    let case = app.create_case(token, NewCase::any()).await.id;
    let witness = app.create_person(token, &case, NewPerson::witness().named("W").sex("unknown")).await.id;
    let testimony = app.record_testimony(token, &case, NewTestimony::by(&witness).consent(consent)).await.id;
    (case, testimony)
}

/// A documenter's session and a draft testimony (consent to nobody) in a case of
/// their own: (token, testimony).
pub async fn draft_testimony(app: &TestApp) -> (String, TestimonyId) {
    let (_, token) = app.user_with_token(Role::Documenter).await;
    let (_, testimony) = testimony_in_new_case(app, &token, Consent::shared_with(&[])).await;
    (token, testimony)
}

/// A new case led by `token`'s documenter whose one testimony, shared with prosecutors,
/// is sealed: (case, testimony).
pub async fn sealed_testimony_in_new_case(app: &TestApp, token: &str) -> (CaseId, TestimonyId) {
    let (case, testimony) = testimony_in_new_case(app, token, Consent::shared_with(&["prosecutors"])).await;
    app.seal(token, &testimony).await;
    (case, testimony)
}

/// A new case (`reference` is also its title) with one witness called `name`.
pub async fn case_with_witness(
    app: &TestApp,
    token: &str,
    reference: &str,
    name: &str,
) -> (CaseId, PersonId) {
    let case = app.create_case(token, NewCase::new(reference, reference)).await.id;
    let witness = app.create_person(token, &case, NewPerson::witness().named(name)).await.id;
    (case, witness)
}

// ---- Okrestina: the case model as its users live it ---------------------------------

pub const OKRESTINA_ACCOUNT: &str = "Меня зовут Иван Петров. 10 августа 2020 года меня задержали на улице и \
    отвезли в ЦИП на Окрестина. Сотрудники ОМОН избивали меня дубинками, заставляли стоять \
    на коленях лицом к стене несколько часов.";

/// A case a documenter leads, with an investigator and a lawyer as members, a lawyer
/// outside it, and one witness (W-0001) whose name, birth date and contact are known.
pub struct Okrestina {
    pub app: TestApp,
    pub documenter: String,
    pub investigator: String,
    pub lawyer: String,
    pub outsider: String,
    pub case: CaseId,
    pub witness: PersonId,
}

pub async fn okrestina() -> Okrestina {
    let app = spawn_app().await;
    let (_, documenter) = app.user_with_token(Role::Documenter).await;
    let (investigator_id, investigator) = app.user_with_token(Role::Investigator).await;
    let (lawyer_id, lawyer) = app.user_with_token(Role::Lawyer).await;
    let (_, outsider) = app.user_with_token(Role::Lawyer).await;

    let case = app.create_case(&documenter, NewCase::new("BY-2020-0147", "Окрестина, август 2020")).await;
    assert_eq!(case["my_role"], "lead");
    app.add_member(&case.id, investigator_id).await;
    app.add_member(&case.id, lawyer_id).await;
    let witness = NewPerson::witness()
        .named("Иван Петров")
        .named("Ivan Petrov")
        .sex("male")
        .birth_date("1990-05-04")
        .contact("+375 29 000 00 00");
    let witness = app.create_person(&documenter, &case.id, witness).await;
    assert_eq!(witness["pseudonym"], "W-0001");
    Okrestina { app, documenter, investigator, lawyer, outsider, case: case.id, witness: witness.id }
}

impl Okrestina {
    /// The witness's account as taken at interview, in Russian, the name marked as
    /// identifying, shared with UN bodies and prosecutors.
    pub fn testimony(&self) -> NewTestimony {
        okrestina_testimony(&self.witness)
    }

    /// The testimony recorded as a draft by the documenter.
    pub async fn record(&self) -> Created<TestimonyId> {
        self.app.record_testimony(&self.documenter, &self.case, self.testimony()).await
    }
}

/// The Okrestina account, as a testimony of `witness`.
pub fn okrestina_testimony(witness: &PersonId) -> NewTestimony {
    NewTestimony::by(witness)
        .interviewed("2020-09-01")
        .interview_place("Вильнюс")
        .languages(&["ru"])
        .reliability("high")
        .account(OKRESTINA_ACCOUNT)
        .summary("Задержание и избиение в ЦИП на Окрестина")
        .interviewer("Документатор А.")
        .marking("Иван Петров")
        .consent(
            Consent::shared_with(&["un_bodies", "prosecutors"]).given_on("2020-09-01").text_version("2020-1"),
        )
}

// ---- Zhodino: witnesses who gave every kind of consent, for bundles -----------------

/// A case a lawyer is a member of, whose four sealed testimonies were given under
/// different consents: W-0001 to prosecutors, not to be named (her name, tagged, also
/// appears unmarked in her account, and she has an audio file); W-0002 to prosecutors,
/// named; W-0003 to UN bodies only; W-0004 withdrawn. An incident with a perpetrator of a
/// sub-unit; a testimony of another case. Canary strings end in `tag`.
pub struct Zhodino {
    pub app: TestApp,
    pub lawyer: String,
    pub outsider: String,
    pub documenter: String,
    pub case: CaseId,
    pub other_case_testimony: TestimonyId,
    pub tag: String,
}

/// W-0001's recording.
pub fn zhodino_audio() -> Vec<u8> {
    (0..300_000u32).map(|i| (i.wrapping_mul(2654435761) >> 11) as u8).collect()
}

/// A witness's sealed account: "Меня зовут {name}. {text}", the name marked.
async fn zhodino_sealed(
    app: &TestApp,
    token: &str,
    case: &CaseId,
    witness: &PersonId,
    name: &str,
    text: &str,
    consent: Consent,
) -> TestimonyId {
    let consent = consent.given_on("2021-03-01").text_version("2021-1");
    let testimony = NewTestimony::by(witness)
        .interviewed("2021-03-01")
        .languages(&["ru"])
        .account(&format!("Меня зовут {name}. {text}"))
        .marking(name)
        .consent(consent);
    app.record_sealed(token, case, testimony).await
}

pub async fn zhodino() -> Zhodino {
    let app = spawn_app().await;
    let tag = uuid::Uuid::new_v4().simple().to_string()[..10].to_owned();
    let (_, documenter) = app.user_with_token(Role::Documenter).await;
    let (lawyer_id, lawyer) = app.user_with_token(Role::Lawyer).await;
    let (_, outsider) = app.user_with_token(Role::Lawyer).await;
    let doc = documenter.as_str();
    let case = app.create_case(doc, NewCase::new("BY-2021-0007", "Жодино, 2021")).await.id;
    app.add_member(&case, lawyer_id).await;
    let prosecutors = || Consent::shared_with(&["prosecutors"]);

    // W-0001 may not be named; her name also appears unmarked later in her own account.
    let hidden = format!("Алеся Канарейкина{tag}");
    let witness = NewPerson::witness().named(&hidden).sex("female").contact(&format!("contact-canary-{tag}"));
    let a = app.create_person(doc, &case, witness).await.id;
    let text = format!("Охранник кричал «{hidden}, к стене!» и бил дубинкой.");
    let ta = zhodino_sealed(&app, doc, &case, &a, &hidden, &text, prosecutors()).await;
    // W-0002 agreed to be named.
    let named = format!("Named Witness{tag}");
    let b = app.create_person(doc, &case, NewPerson::witness().named(&named).sex("male")).await.id;
    let text = "Нас держали в камере на 4 человек вдесятером.";
    zhodino_sealed(&app, doc, &case, &b, &named, text, prosecutors().named()).await;
    // W-0003 shares with UN bodies only; W-0004 withdrew.
    let name = "Третий Свидетель";
    let c = app.create_person(doc, &case, NewPerson::witness().named(name).sex("male")).await.id;
    let un_only = Consent::shared_with(&["un_bodies"]).named();
    zhodino_sealed(&app, doc, &case, &c, name, &format!("un-only-canary-{tag}"), un_only).await;
    let name = "Четвёртый Свидетель";
    let d = app.create_person(doc, &case, NewPerson::witness().named(name).sex("male")).await.id;
    let withdrawn = prosecutors().named().withdrawn_on("2021-04-01");
    zhodino_sealed(&app, doc, &case, &d, name, &format!("withdrawn-canary-{tag}"), withdrawn).await;

    // An attachment on W-0001's account, an incident with a perpetrator of a sub-unit.
    let audio = Upload::bytes(zhodino_audio()).content_type("audio/ogg").filename("interview.ogg");
    app.upload(doc, &ta, audio).await;
    let top = app.create_unit(doc, &case, NewUnit::named("МВД")).await.id;
    let unit = app.create_unit(doc, &case, NewUnit::named("ИВС Жодино").under(&top)).await.id;
    let p =
        app.create_person(doc, &case, NewPerson::perpetrator().named("Начальник Смены").in_unit(&unit)).await;
    let incident = NewIncident::of("torture")
        .methods(&["beating_with_batons"])
        .started("2021-02-14", "exact")
        .end_unknown()
        .description(&format!("Избиение {hidden} при приёме"))
        .victim(&a);
    let incident = app.create_incident(doc, &case, incident).await.id;
    app.link_incident(doc, &ta, &incident).await;
    app.add_involvement(doc, &incident, Involvement::person(&p.id, "carried_out").citing(&ta)).await;

    // A testimony of another case, to try a cross-case selection.
    let other = app.create_case(doc, NewCase::new("BY-2021-0099", "x")).await.id;
    let ow = app.create_person(doc, &other, NewPerson::witness().named("X").sex("male")).await.id;
    let other_case_testimony = zhodino_sealed(&app, doc, &other, &ow, "X", "…", prosecutors().named()).await;
    Zhodino { app, lawyer, outsider, documenter, case, other_case_testimony, tag }
}

// ---- A fictional case, as a browser test finds it ------------------------------------

pub const FICTIONAL_ACCOUNT: &str = "I was detained on the evening of 14 March near the bus station and \
    taken to the district police building. In the basement three officers in black uniforms \
    beat me with batons and made me stand with my hands against the wall for several hours. \
    One of them, whom the others called Captain Orlov, gave the orders.";

/// The second witness's account, shared with partner organisations only.
pub const FICTIONAL_WITHHELD: &str = "I saw them bring a young man into the yard; later I heard screaming \
    from the basement until morning.";

/// A fictional case as an investigator or lawyer finds it: a sealed testimony with an
/// incident, a perpetrator in a unit under a ministry, and the unit's commander; a
/// second sealed testimony shared with partner organisations only.
pub struct FictionalCase {
    pub case: CaseId,
    pub testimony: TestimonyId,
    pub perpetrator: PersonId,
    pub commander: PersonId,
}

/// The fictional case, opened by `documenter` (a username; signed in through the JSON
/// API only to set up).
pub async fn fictional_case(app: &TestApp, documenter: &str) -> FictionalCase {
    let doc = app.login(documenter, PASSWORD).await;
    let doc = doc.as_str();
    let case = NewCase::new("FIC-2024-017", "Fictional case: district police, March 2024")
        .description("Demonstration data for browser tests. Every name is invented.");
    let case = app.create_case(doc, case).await.id;
    let witness =
        app.create_person(doc, &case, NewPerson::witness().named("Anna Fictional").sex("female")).await.id;
    let given = |on: &str| Consent::shared_with(&["prosecutors", "un_bodies"]).given_on(on);
    let testimony = NewTestimony::by(&witness)
        .interviewed("2024-03-20")
        .languages(&["en"])
        .account(FICTIONAL_ACCOUNT)
        .consent(given("2024-03-20"));
    let testimony = app.record_sealed(doc, &case, testimony).await;
    // A second witness agreed to partner organisations only: no bundle for prosecutors
    // carries her account.
    let second =
        app.create_person(doc, &case, NewPerson::witness().named("Berta Fictional").sex("female")).await.id;
    let withheld = NewTestimony::by(&second)
        .interviewed("2024-03-22")
        .languages(&["en"])
        .source_connection("eyewitness")
        .account(FICTIONAL_WITHHELD)
        .consent(Consent::shared_with(&["ngos"]).given_on("2024-03-22").how_given("oral_recorded"));
    app.record_sealed(doc, &case, withheld).await;
    let ministry = app.create_unit(doc, &case, NewUnit::named("Fictional Ministry of Interior")).await.id;
    let unit = NewUnit::named("District Police Department No. 3").under(&ministry);
    let unit = app.create_unit(doc, &case, unit).await.id;
    let mut people = Vec::new();
    for (name, rank) in [("Captain Orlov", "captain"), ("Major Sedov", "major")] {
        let person = NewPerson::perpetrator().named(name).rank(rank).in_unit(&unit);
        people.push(app.create_person(doc, &case, person).await.id);
    }
    app.add_commander(doc, &unit, &people[1], "2022-01-01").await;
    let incident = NewIncident::of("torture")
        .methods(&["beating_with_batons", "stress_positions"])
        .started("2024-03-14", "exact")
        .end_unknown()
        .description("Beating in the basement of the district police building")
        .victim(&witness);
    let incident = app.create_incident(doc, &case, incident).await.id;
    app.link_incident(doc, &testimony, &incident).await;
    app.add_involvement(doc, &incident, Involvement::person(&people[0], "ordered").citing(&testimony)).await;
    let [perpetrator, commander] = <[PersonId; 2]>::try_from(people).unwrap();
    FictionalCase { case, testimony, perpetrator, commander }
}

// ---- Cases made through the pages, for tests of what the pages show ----------------

/// A documenter's case with a unit hierarchy, a perpetrator in it, an incident and a
/// sealed testimony, all made through the pages: (case path, perpetrator path).
pub async fn documented_case(app: &TestApp, b: &Browser) -> (String, String) {
    let case =
        location(&app.web_post(b, "/cases/new", &[("reference", "WEB-3"), ("title", "Okrestina")]).await);
    let id = case.trim_start_matches("/cases/").to_owned();
    let top = location(
        &app.web_post(b, &format!("/cases/{id}/units/new"), &[("name", "ГУВД Мингорисполкома")]).await,
    );
    let top_id = top.trim_start_matches("/units/");
    let omon = location(
        &app.web_post(b, &format!("/cases/{id}/units/new"), &[("name", "ОМОН"), ("parent_id", top_id)]).await,
    );
    let omon_id = omon.trim_start_matches("/units/");
    let perp = location(
        &app.web_post(
            b,
            &format!("/cases/{id}/persons/new"),
            &[
                ("kind", "perpetrator"),
                ("names", "Лукашенко"),
                ("aliases", "Пётр Л."),
                ("rank", "майор"),
                ("unit_id", omon_id),
            ],
        )
        .await,
    );
    let place = location(
        &app.web_post(
            b,
            &format!("/cases/{id}/places/new"),
            &[("place_type", "detention_facility"), ("name", "ЦИП на Окрестина")],
        )
        .await,
    );
    assert!(place.starts_with("/places/"), "{place}");
    let res = app
        .web_post(
            b,
            &format!("/cases/{id}/incidents/new"),
            &[
                ("act_type", "torture"),
                ("methods", "beating"),
                ("start_date", "2020-08"),
                ("place_id", place.trim_start_matches("/places/")),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let account = "Омоновцы избивали задержанных дубинками во дворе.";
    let fields = testimony_fields(&[("witness_id", "new"), ("account", account)]);
    let t = location(&app.web_post(b, &format!("/cases/{id}/testimonies/new"), &fields).await);
    let t = t.split('?').next().unwrap().to_owned();
    assert_eq!(app.web_post(b, &format!("{t}/seal"), &[]).await.status(), 303);
    (case, perp)
}

/// A case made through the pages by a documenter (its lead): a unit with a
/// perpetrator, a victim, a place, an incident with the victim, and a sealed testimony
/// that an investigator member has linked to the incident.
pub struct NamesWorld {
    pub case: String,
    pub unit: String,
    pub perp: String,
    pub victim: String,
    pub place: String,
    pub incident: String,
    pub testimony: String,
    pub documenter: Browser,
    pub documenter_name: String,
    pub investigator: Browser,
    pub lawyer: Browser,
}

/// The id at the end of a page's path.
pub fn id_of(path: &str) -> &str {
    path.rsplit('/').next().unwrap()
}

pub async fn names_world(app: &TestApp) -> NamesWorld {
    let documenter_name = format!("doc-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    app.add_user(&documenter_name, Role::Documenter).await;
    let doc = app.web_login(&documenter_name).await;
    let case = location(
        &app.web_post(&doc, "/cases/new", &[("reference", "NAMES-7"), ("title", "Okrestina")]).await,
    );
    let id = id_of(&case).to_owned();
    let unit = location(&app.web_post(&doc, &format!("/cases/{id}/units/new"), &[("name", "ОМОН")]).await);
    let persons = format!("/cases/{id}/persons/new");
    let perp = location(
        &app.web_post(
            &doc,
            &persons,
            &[("kind", "perpetrator"), ("names", "Сидоренко Виктор"), ("unit_id", id_of(&unit))],
        )
        .await,
    );
    let victim =
        location(&app.web_post(&doc, &persons, &[("kind", "victim"), ("names", "Анна Тайная")]).await);
    let place = location(
        &app.web_post(
            &doc,
            &format!("/cases/{id}/places/new"),
            &[("place_type", "detention_facility"), ("name", "ЦИП на Окрестина")],
        )
        .await,
    );
    let res = app
        .web_post(
            &doc,
            &format!("/cases/{id}/incidents/new"),
            &[
                ("act_type", "torture"),
                ("start_date", "2020-08-12"),
                ("place_id", id_of(&place)),
                ("victim_ids", id_of(&victim)),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let incident = location(&res);
    let fields = testimony_fields(&[("witness_id", "new"), ("account", "Нас били во дворе.")]);
    let t = location(&app.web_post(&doc, &format!("{case}/testimonies/new"), &fields).await);
    let testimony = t.split('?').next().unwrap().to_owned();
    assert_eq!(app.web_post(&doc, &format!("{testimony}/seal"), &[]).await.status(), 303);

    let (inv_id, investigator) = app.web_user(Role::Investigator).await;
    app.add_member(&id, inv_id).await;
    let res =
        app.web_post(&investigator, &format!("{testimony}/link"), &[("incident_id", id_of(&incident))]).await;
    assert_eq!(res.status(), 303, "the investigator links the account to the incident");
    let res = app
        .web_post(
            &investigator,
            &format!("{incident}/involvements"),
            &[("who", &format!("person:{}", id_of(&perp))), ("role", "carried_out")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (lawyer_id, lawyer) = app.web_user(Role::Lawyer).await;
    app.add_member(&id, lawyer_id).await;
    NamesWorld {
        case,
        unit,
        perp,
        victim,
        place,
        incident,
        testimony,
        documenter: doc,
        documenter_name,
        investigator,
        lawyer,
    }
}
