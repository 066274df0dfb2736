//! The demo's story: an invented detention facility, the units and officers who ran
//! it, one incident, and witnesses telling it in Russian or English, each account
//! worded a little differently. Nothing here is real; the generator (`demo`) records it
//! through the services.

use uuid::Uuid;

use crate::cases::incidents::NewIncident;
use crate::cases::persons::{NewPerson, PersonKind, Sex};
use crate::cases::places::NewPlace;
use crate::cases::testimonies::{Consent, HowGiven, Reliability, ShareWith, Span, TestimonyInput};
use crate::cases::units::NewUnit;
use crate::cases::validate::Precision;

const FACILITY: &str = "Демонстрационный изолятор №1";
const MINISTRY: &str = "Demo Ministry of Interior";
const SPECIAL_UNIT: &str = "Demo Special Police Unit";
const INCIDENT_START: &str = "2021-03-14";
pub(super) const INCIDENT_END: &str = "2021-03-16";

/// The facility. No coordinates: any would point at some real building.
pub(super) fn facility() -> NewPlace {
    NewPlace {
        place_type: "detention_facility".into(),
        name: FACILITY.into(),
        address: Some("ул. Вымышленная, 1, г. Примерск (fictional address)".into()),
        latitude: None,
        longitude: None,
    }
}

pub(super) fn ministry() -> NewUnit {
    NewUnit {
        name: MINISTRY.into(),
        description: "Fictional ministry, top of the demo chain of command.".into(),
        parent_id: None,
    }
}

/// The unit guarding the facility, under the ministry.
pub(super) fn special_unit(ministry: Uuid) -> NewUnit {
    NewUnit {
        name: SPECIAL_UNIT.into(),
        description: format!("Fictional unit guarding {FACILITY}."),
        parent_id: Some(ministry),
    }
}

/// Its commander and one of its officers.
pub(super) fn perpetrators(unit: Uuid) -> [NewPerson; 2] {
    let perpetrator = |name: &str, rank: &str, position: String| NewPerson {
        kind: PersonKind::Perpetrator,
        pseudonym: None,
        sex: Sex::Male,
        names: vec![name.into()],
        aliases: Vec::new(),
        birth_date: None,
        contact: None,
        rank: Some(rank.into()),
        position: Some(position),
        unit_id: Some(unit),
        notes: Some("DEMO: a fictional person.".into()),
    };
    [
        perpetrator("Пётр Шаблонов", "майор", format!("командир, {SPECIAL_UNIT}")),
        perpetrator("Игорь Макетов", "старший лейтенант", format!("сотрудник, {SPECIAL_UNIT}")),
    ]
}

/// Since when the commander commands the unit.
pub(super) const COMMAND_FROM: &str = "2019-01-01";

pub(super) fn new_incident(place: Uuid, witnesses: &[(Uuid, Uuid)]) -> NewIncident {
    NewIncident {
        act_type: "torture".into(),
        methods: vec!["beating_with_batons".into(), "stress_positions".into()],
        start_date: Some(INCIDENT_START.into()),
        start_precision: Precision::Exact,
        end_date: Some(INCIDENT_END.into()),
        end_precision: Precision::Exact,
        place_id: Some(place),
        description: format!(
            "DEMO (fictional): people detained on {INCIDENT_START} were held at {FACILITY} until \
             {INCIDENT_END}; officers of the {SPECIAL_UNIT} beat them with batons and kept them in \
             stress positions for hours."
        ),
        victim_ids: witnesses.iter().map(|(person, _)| *person).collect(),
    }
}

/// One invented witness and their account.
pub(super) struct Witness {
    pub(super) person: NewPerson,
    language: &'static str,
    account: String,
    spans: Vec<Span>,
    interview_date: String,
}

impl Witness {
    pub(super) fn testimony(&self, witness_id: Uuid) -> TestimonyInput {
        let russian = self.language == "ru";
        TestimonyInput {
            witness_id,
            interview_date: Some(self.interview_date.clone()),
            interview_place: Some(
                if russian {
                    "Демонстрационный офис (вымышленный)"
                } else {
                    "Demo office (fictional)"
                }
                .into(),
            ),
            languages: vec![self.language.into()],
            source_connection: "victim".into(),
            reliability: Reliability::High,
            account: self.account.clone(),
            // Shown to every member, so it names no one.
            summary: if russian {
                format!("ДЕМО: вымышленный рассказ о задержании и избиении в учреждении «{FACILITY}».")
            } else {
                format!("DEMO: a fictional account of detention and beatings at {FACILITY}.")
            },
            interviewer: Some("Demo Interviewer (fictional)".into()),
            interpreter: None,
            persons_present: Vec::new(),
            identifying_spans: self.spans.clone(),
            consent: Consent {
                share_with: ShareWith {
                    un_bodies: true,
                    prosecutors: true,
                    ngos: true,
                    ..ShareWith::default()
                },
                may_be_named: false,
                given_on: self.interview_date.clone(),
                how_given: HowGiven::OralRecorded,
                text_version: "demo-1".into(),
                withdrawn_on: None,
            },
        }
    }
}

/// Builds an account and remembers where the witness's name is (in characters).
#[derive(Default)]
struct Account {
    text: String,
    chars: usize,
    spans: Vec<Span>,
}

impl Account {
    fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.chars += s.chars().count();
    }

    fn name(&mut self, name: &str) {
        let start = self.chars;
        self.push(name);
        self.spans.push(Span { start, end: self.chars });
    }
}

const RU_FEMALE: [&str; 5] = ["Алина", "Мария", "Ольга", "Наталья", "Ксения"];
const RU_FEMALE_SURNAMES: [&str; 5] =
    ["Демонстрационная", "Примерова", "Вымышленная", "Условная", "Образцова"];
const RU_MALE: [&str; 5] = ["Иван", "Сергей", "Дмитрий", "Андрей", "Павел"];
const RU_MALE_SURNAMES: [&str; 5] = ["Демонстрационный", "Примеров", "Вымышленный", "Условный", "Образцов"];
const EN_FEMALE: [&str; 5] = ["Jane", "Mary", "Anna", "Laura", "Grace"];
const EN_MALE: [&str; 5] = ["John", "Peter", "Alex", "Tom", "David"];
const EN_SURNAMES: [&str; 5] = ["Example", "Sample", "Placeholder", "Fictional", "Mockup"];

/// Russian past tense agrees with the speaker: `{ась|ся}` reads `ась` for a woman and
/// `ся` for a man.
fn gendered(s: &str, female: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}').map(|c| open + c) else { break };
        let (f, m) = rest[open + 1..close].split_once('|').unwrap_or((&rest[open + 1..close], ""));
        out.push_str(if female { f } else { m });
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Each beat of the story in two wordings, told in order; which wording a witness uses
/// varies with the witness so that accounts differ.
const RU_BEATS: [[&str; 2]; 11] = [
    [
        "Вечером 14 марта 2021 года я возвращал{ась|ся} с работы, когда у остановки ко мне подошли трое в чёрной форме без опознавательных знаков и потребовали документы. ",
        "14 марта 2021 года около семи вечера меня остановили возле дома люди в балаклавах; они не представились и не объяснили, за что задерживают. ",
    ],
    [
        "Меня затолкали в микроавтобус, положили лицом на пол и всю дорогу били по спине, если я пытал{ась|ся} поднять голову. ",
        "В автозаке нас было человек двенадцать; всем велели смотреть в пол, а тех, кто задавал вопросы, били ногами. ",
    ],
    [
        "Около полуночи нас привезли в Демонстрационный изолятор №1 и прогнали через «коридор» из сотрудников с дубинками. ",
        "Во дворе Демонстрационного изолятора №1 нас выстроили у стены, и сотрудники спецподразделения били дубинками каждого, кто проходил мимо. ",
    ],
    [
        "Меня ударили дубинкой по ногам и спине не меньше десяти раз; один из сотрудников говорил, что это «для профилактики». ",
        "Били в основном по бёдрам и ягодицам, чтобы, как они сами говорили, «не оставлять следов на лице». ",
    ],
    [
        "Потом нас заставили стоять на коленях лицом к стене, с руками за головой, несколько часов подряд; кто опускал руки, того снова били. ",
        "Всю ночь мы провели в так называемой «ласточке» или на коленях у стены; ноги онемели, и утром я не мог{ла|} встать без помощи. ",
    ],
    [
        "На допросе офицер, который называл себя командиром, требовал, чтобы я подписал{а|} бумагу о том, что участвовал{а|} в беспорядках. ",
        "Человек в форме с погонами майора сказал остальным «работайте», после чего меня снова вывели в коридор и били. ",
    ],
    [
        "В камере, рассчитанной на четверых, нас держали около тридцати человек; воды не давали почти сутки, в туалет не выводили. ",
        "Окно в камере было открыто, было очень холодно, спать на полу не разрешали, свет не выключали ни на минуту. ",
    ],
    [
        "Когда женщина рядом со мной потеряла сознание, на просьбы вызвать врача охранник ответил, что врача здесь нет и не будет. ",
        "Я просил{а|} медицинскую помощь, потому что у меня сильно опухло колено, но мне сказали, что «до суда доживёшь». ",
    ],
    [
        "Нам угрожали, что если мы кому-нибудь расскажем о том, что здесь происходит, то у наших родственников будут проблемы на работе. ",
        "Перед освобождением с меня взяли подписку, что претензий к сотрудникам я не имею; подписать пришлось, иначе обещали оставить ещё на сутки. ",
    ],
    [
        "16 марта меня отпустили без объяснений и без протокола; вещи вернули не все, телефон был разбит. ",
        "Меня выпустили утром 16 марта через заднюю дверь; на улице волонтёры дали воды и отвезли к врачу. ",
    ],
    [
        "В больнице зафиксировали множественные гематомы спины и бёдер и ушиб коленного сустава; копия справки у меня есть. ",
        "Врач травмпункта описал синяки на спине, руках и ногах и рекомендовал обследование; до сих пор мне трудно спать. ",
    ],
];

const EN_BEATS: [[&str; 2]; 11] = [
    [
        "On the evening of 14 March 2021 I was walking home from the bus stop when three men in black uniforms without insignia stopped me and demanded my papers. ",
        "At about seven in the evening on 14 March 2021 masked men grabbed me outside my building; none of them said who they were or why I was being detained. ",
    ],
    [
        "They pushed me into a van, made me lie face down on the floor and hit me on the back every time I tried to lift my head. ",
        "There were about twelve of us in the prison van; we were told to look at the floor, and anyone who asked a question was kicked. ",
    ],
    [
        "Around midnight we were driven to Демонстрационный изолятор №1 and made to run through a line of officers swinging batons. ",
        "In the yard of Демонстрационный изолятор №1 they lined us up against a wall and officers of the special unit beat everyone who passed with batons. ",
    ],
    [
        "I was struck with a baton on my legs and back at least ten times; one officer said it was 'for prevention'. ",
        "They aimed mostly at our thighs and buttocks, so that, as they put it themselves, 'nothing shows on the face'. ",
    ],
    [
        "Then they made us kneel facing the wall with our hands behind our heads for hours; whoever lowered their hands was beaten again. ",
        "We spent the whole night bent forward with our arms raised behind us or kneeling at the wall; by morning I could not stand up without help. ",
    ],
    [
        "During questioning an officer who called himself the commander demanded that I sign a statement saying I had taken part in riots. ",
        "A man wearing a major's shoulder boards told the others to 'get to work', and I was taken back into the corridor and beaten. ",
    ],
    [
        "About thirty of us were held in a cell meant for four; we were given almost no water for a day and not allowed to use the toilet. ",
        "The cell window was left open and it was very cold; we were not allowed to lie down and the light was never switched off. ",
    ],
    [
        "When a man next to me fainted, the guard answered our calls for a doctor by saying there was no doctor here and there would not be one. ",
        "I asked for medical help because my knee was badly swollen, and was told I would 'live until the trial'. ",
    ],
    [
        "They threatened that if we told anyone what happened there, our relatives would have problems at work. ",
        "Before release I had to sign a paper saying I had no complaints about the officers; they said otherwise I would stay another night. ",
    ],
    [
        "I was released on 16 March without any explanation or record; some of my belongings were missing and my phone was smashed. ",
        "They let me out through a back door on the morning of 16 March; volunteers outside gave me water and drove me to a doctor. ",
    ],
    [
        "At the hospital they recorded multiple bruises on my back and thighs and a contused knee; I have a copy of the certificate. ",
        "The emergency doctor described bruises on my back, arms and legs and recommended further examination; I still find it hard to sleep. ",
    ],
];

/// Witness `i`: Russian accounts for even `i`, English for odd, each about 2 KB.
pub(super) fn witness(i: usize) -> Witness {
    let russian = i.is_multiple_of(2);
    let n = i / 2;
    let female = n.is_multiple_of(2);
    let (first, last) = (n / 2 % 5, (n / 2 / 5 + n / 2) % 5);
    let name = match (russian, female) {
        (true, true) => format!("{} {}", RU_FEMALE[first], RU_FEMALE_SURNAMES[last]),
        (true, false) => format!("{} {}", RU_MALE[first], RU_MALE_SURNAMES[last]),
        (false, true) => format!("{} {}", EN_FEMALE[first], EN_SURNAMES[last]),
        (false, false) => format!("{} {}", EN_MALE[first], EN_SURNAMES[last]),
    };
    let mut account = Account::default();
    if russian {
        account.push("Меня зовут ");
        account.name(&name);
        account.push(". Этот рассказ вымышлен и создан для демонстрации системы Custodia. ");
        for (b, beat) in RU_BEATS.iter().enumerate() {
            account.push(&gendered(beat[(i / 2 + b) % 2], female));
        }
        account.push("Записано со слов ");
        account.name(&name);
        account.push(".");
    } else {
        account.push("My name is ");
        account.name(&name);
        account.push(". This account is fictional, written to demonstrate Custodia. ");
        for (b, beat) in EN_BEATS.iter().enumerate() {
            account.push(beat[(i / 2 + b) % 2]);
        }
        account.push("Recorded from the words of ");
        account.name(&name);
        account.push(".");
    }
    Witness {
        person: NewPerson {
            kind: PersonKind::Victim,
            // Given rather than drawn by the service, which would scan every earlier
            // pseudonym of the case for each new witness of a large demo.
            pseudonym: Some(format!("V-{:04}", i + 1)),
            sex: if female { Sex::Female } else { Sex::Male },
            names: vec![name],
            aliases: Vec::new(),
            birth_date: Some(format!("19{}-0{}-1{}", 70 + n % 30, 1 + n % 9, n % 10)),
            contact: Some("demo@example.org (fictional)".into()),
            rank: None,
            position: None,
            unit_id: None,
            notes: Some("DEMO: a fictional person.".into()),
        },
        language: if russian { "ru" } else { "en" },
        account: account.text,
        spans: account.spans,
        interview_date: format!("2021-{:02}-{:02}", 4 + i / 28 % 2, 1 + i % 28),
    }
}

/// A short fictional medical report: the demo's attachment.
pub fn medical_report() -> String {
    format!(
        "DEMO — FICTIONAL DOCUMENT, NOT A REAL MEDICAL RECORD\n\
         \n\
         Demo City Emergency Hospital (fictional)\n\
         Certificate of examination\n\
         \n\
         Patient: V-0001 (pseudonym)\n\
         Examined: {INCIDENT_END}, 14:20\n\
         Reported cause: beating with batons and prolonged kneeling at {FACILITY}, {INCIDENT_START} to {INCIDENT_END}.\n\
         \n\
         Findings:\n\
         - multiple linear bruises, 2-3 cm wide, on the back and both thighs, consistent with blows from a baton;\n\
         - swelling and tenderness of the right knee; abrasions of both knees consistent with prolonged kneeling;\n\
         - no fractures seen on X-ray.\n\
         \n\
         Dr. A. Example (fictional)\n"
    )
}
