//! Word lists for attribution: cue verbs (every inflection of each lemma), reporting nouns,
//! hedges, pronouns, titles, a small first-name gender list, and the function words that
//! bound noun phrases and clauses. Built once into one hash table keyed by the lower-cased form.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// What a cue verb reports, which decides how its frame is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CueClass {
    /// Verbs of saying that take a clause or a quote: "say", "insist", "warn".
    Speech,
    /// Verbs of saying with an addressee before the clause: "tell", "inform", "assure".
    Tell,
    /// "ask": the content is a question.
    Ask,
    /// Writing and posting: "write", "tweet", "post".
    Write,
    /// Publication by media: "report"; its subject is usually an intermediary.
    Report,
    /// "quote": "Reuters quoted Putin as saying".
    Quote,
    /// Naming with a quoted complement: "call", "describe", "label", "brand".
    Call,
    /// Verbs that need "that" (or a quote) to report speech: "declare", "announce", "confirm".
    ThatOnly,
    /// Cognition and stance: "think", "believe", "hope", "fear", "expect".
    Think,
    /// Evaluation of an object: "criticize", "praise", "accuse", "endorse".
    Stance,
}

/// Which inflection a cue word is (a form can be several: "said" is past and participle).
pub const F_BASE: u8 = 1;
pub const F_THIRD: u8 = 2;
pub const F_PAST: u8 = 4;
pub const F_PART: u8 = 8;
pub const F_ING: u8 = 16;

/// A cue word: its lemma and class, and which inflections it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cue {
    pub lemma: &'static str,
    pub class: CueClass,
    pub forms: u8,
}

/// Grammatical gender as pronouns show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gender {
    Male,
    Female,
}

/// Person and number of a subject pronoun.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pronoun {
    He,
    She,
    They,
    It,
    I,
    We,
    You,
}

impl Pronoun {
    pub fn gender(self) -> Option<Gender> {
        match self {
            Pronoun::He => Some(Gender::Male),
            Pronoun::She => Some(Gender::Female),
            _ => None,
        }
    }
}

// Word flags.
pub const W_DET: u32 = 1;
pub const W_AUX: u32 = 1 << 1;
pub const W_NEG: u32 = 1 << 2;
pub const W_ADV: u32 = 1 << 3;
pub const W_HEDGE: u32 = 1 << 4;
pub const W_PREP: u32 = 1 << 5;
pub const W_CONJ: u32 = 1 << 6;
pub const W_REL: u32 = 1 << 7;
pub const W_TITLE: u32 = 1 << 8;
pub const W_TIME: u32 = 1 << 9;
/// A noun for a person or group that can speak: "official", "spokesman", "sources".
pub const W_PERSON_NOUN: u32 = 1 << 10;
/// Media and publications: "media", "newspaper", "reports".
pub const W_MEDIA: u32 = 1 << 11;
/// Naming words before a quoted term: "called", "dubbed", "so-called", "titled".
pub const W_NAMING: u32 = 1 << 12;
/// A possessive determiner: "his", "her", "their".
pub const W_POSS: u32 = 1 << 13;
/// Subordinators that open a new clause: "while", "because", "although".
pub const W_SUBORD: u32 = 1 << 14;
/// A reporting noun that can carry a that-clause: "claim", "warning", "statement".
pub const W_REPORT_NOUN: u32 = 1 << 15;
/// Words that cannot be inside a speaker noun phrase (verbs, function words).
pub const W_NOT_NP: u32 = 1 << 16;
/// Object pronouns: "him", "her", "them", "us", "me", "it".
pub const W_OBJ_PRONOUN: u32 = 1 << 17;
/// Number words: "two", "three", "dozens".
pub const W_NUMBER: u32 = 1 << 18;
/// The particle of a phrasal cue ("shot back", "weighed in").
pub const W_PARTICLE: u32 = 1 << 19;

/// Everything the lexicon knows about one lower-cased word form.
#[derive(Debug, Clone, Copy, Default)]
pub struct WordInfo {
    pub flags: u32,
    pub cue: Option<Cue>,
    pub pronoun: Option<Pronoun>,
    /// From titles ("Mrs"), first names ("Hillary") and gendered nouns ("spokeswoman").
    pub gender: Option<Gender>,
    /// A phrasal cue's verb form ("shot" in "shot back"): its particle and the cue.
    pub phrasal: Option<(&'static str, Cue)>,
}

/// The lexicon: one lookup per token.
#[derive(Debug)]
pub struct Lexicon {
    words: HashMap<Box<[u8]>, WordInfo, BuildHasherDefault<FxHasher>>,
    first_names: HashMap<Box<str>, Gender, BuildHasherDefault<FxHasher>>,
}

/// A small multiplicative hasher for short keys.
#[derive(Debug, Default, Clone, Copy)]
pub struct FxHasher(u64);

impl Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
        for &b in chunks.remainder() {
            h = (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
        self.0 = h;
    }
    fn write_u8(&mut self, i: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(i)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Lexicon {
    /// Looks up a lower-cased word form (its UTF-8 bytes).
    pub fn get(&self, lower: &[u8]) -> Option<&WordInfo> {
        self.words.get(lower)
    }

    /// The gender of a first name ("Hillary" → female), given in its usual capitalisation.
    pub fn first_name(&self, name: &str) -> Option<Gender> {
        self.first_names.get(name).copied()
    }

    pub fn build() -> Lexicon {
        let mut lx = Lexicon {
            words: HashMap::default(),
            first_names: HashMap::default(),
        };
        for (forms, particle, lemma) in PHRASAL {
            for (k, f) in forms.split_whitespace().enumerate() {
                let form = [F_BASE, F_THIRD, F_PAST | F_PART, F_ING][k.min(3)];
                let cue = Cue {
                    lemma,
                    class: CueClass::Speech,
                    forms: form,
                };
                lx.entry(f).phrasal = Some((particle, cue));
            }
        }
        for (class, list) in CUES {
            for spec in list.split_whitespace() {
                lx.add_cue(spec, *class);
            }
        }
        for (flags, list) in WORDS {
            for w in list.split_whitespace() {
                lx.entry(w).flags |= *flags;
            }
        }
        for (w, p) in PRONOUNS {
            let e = lx.entry(w);
            e.pronoun = Some(*p);
            e.flags |= W_NOT_NP;
        }
        for (gender, list) in [(Gender::Male, MALE_WORDS), (Gender::Female, FEMALE_WORDS)] {
            for w in list.split_whitespace() {
                lx.entry(w).gender = Some(gender);
            }
        }
        for (gender, list) in [(Gender::Male, MALE_NAMES), (Gender::Female, FEMALE_NAMES)] {
            for w in list.split_whitespace() {
                lx.first_names.insert(w.into(), gender);
            }
        }
        lx
    }

    fn entry(&mut self, w: &str) -> &mut WordInfo {
        self.words.entry(w.as_bytes().into()).or_default()
    }

    /// Adds a cue lemma with all its inflections. A spec is `lemma` (regular inflection),
    /// optionally with `:past,participle` for irregular verbs, and `+` to double the final
    /// consonant ("admit+" → "admitted", "admitting").
    fn add_cue(&mut self, spec: &str, class: CueClass) {
        let (head, irregular) = match spec.split_once(':') {
            Some((h, i)) => (h, Some(i)),
            None => (spec, None),
        };
        let double = head.ends_with('+');
        let lemma_str = head.trim_end_matches('+');
        let lemma = leak_lemma(lemma_str);
        let (past, part) = match irregular {
            Some(i) => {
                let mut it = i.split(',');
                let p = it.next().unwrap_or(lemma_str).to_string();
                let pp = it.next().map_or_else(|| p.clone(), str::to_string);
                (p, pp)
            }
            None => {
                let p = regular_past(lemma_str, double);
                (p.clone(), p)
            }
        };
        let forms: [(String, u8); 5] = [
            (lemma_str.to_string(), F_BASE),
            (third_person(lemma_str), F_THIRD),
            (past, F_PAST),
            (part, F_PART),
            (ing_form(lemma_str, double), F_ING),
        ];
        for (form, f) in forms {
            let e = self.entry(&form);
            match &mut e.cue {
                Some(c) if c.lemma == lemma => c.forms |= f,
                Some(_) => {}
                None => {
                    e.cue = Some(Cue {
                        lemma,
                        class,
                        forms: f,
                    })
                }
            }
        }
    }
}

/// Lemmas live for the program's life (the lexicon is built once); interning them as
/// `&'static str` keeps [`Cue`] `Copy`. Every lemma is one of the string literals in [`CUES`].
fn leak_lemma(lemma: &str) -> &'static str {
    for (_, list) in CUES {
        for spec in list.split_whitespace() {
            let head = spec.split(':').next().unwrap_or(spec).trim_end_matches('+');
            if head == lemma {
                return head;
            }
        }
    }
    ""
}

fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u')
}

fn third_person(w: &str) -> String {
    let b = w.as_bytes();
    if w.ends_with('s')
        || w.ends_with('x')
        || w.ends_with('z')
        || w.ends_with("ch")
        || w.ends_with("sh")
    {
        format!("{w}es")
    } else if b.len() >= 2 && b[b.len() - 1] == b'y' && !is_vowel(b[b.len() - 2]) {
        format!("{}ies", &w[..w.len() - 1])
    } else {
        format!("{w}s")
    }
}

fn regular_past(w: &str, double: bool) -> String {
    let b = w.as_bytes();
    if double {
        let last = &w[w.len() - 1..];
        format!("{w}{last}ed")
    } else if w.ends_with('e') {
        format!("{w}d")
    } else if b.len() >= 2 && b[b.len() - 1] == b'y' && !is_vowel(b[b.len() - 2]) {
        format!("{}ied", &w[..w.len() - 1])
    } else {
        format!("{w}ed")
    }
}

fn ing_form(w: &str, double: bool) -> String {
    if double {
        let last = &w[w.len() - 1..];
        format!("{w}{last}ing")
    } else if let Some(stem) = w.strip_suffix("ie") {
        format!("{stem}ying")
    } else if w.ends_with('e') && !w.ends_with("ee") && !w.ends_with("ye") && !w.ends_with("oe") {
        format!("{}ing", &w[..w.len() - 1])
    } else {
        format!("{w}ing")
    }
}

/// Cue lemmas by class. `verb:past,participle` marks irregular verbs; `+` doubles the final
/// consonant.
const CUES: &[(CueClass, &str)] = &[
    (
        CueClass::Speech,
        "say:said add argue insist claim warn deny note stress emphasize emphasise explain \
         acknowledge admit+ assert contend maintain reply respond answer state comment \
         remark observe concede complain joke boast recall reiterate repeat allege testify \
         predict promise pledge vow suggest propose recommend caution counter retort \
         quip+ exclaim shout scream yell cry whisper mutter continue conclude add \
         speculate hint point insinuate agree disagree lament grumble acknowledge \
         brag crow gush muse reason theorize theorise estimate calculate guess \
         proclaim profess swear:swore,sworn threaten demand plead concur \
         chime object protest mention chant ponder lecture tout interject scoff sneer \
         recount opine marvel rail fume rage grouse gripe react",
    ),
    (
        CueClass::Tell,
        "tell:told inform assure remind reassure warn advise notify convince persuade \
         caution promise brief",
    ),
    (CueClass::Ask, "ask wonder question query inquire enquire"),
    (
        CueClass::Write,
        "write:wrote,written tweet post blog text email e-mail message",
    ),
    (CueClass::Report, "report quote cite"),
    (
        CueClass::Call,
        "call describe label brand characterize characterise dub term refer+",
    ),
    (
        CueClass::ThatOnly,
        "declare announce confirm reveal indicate disclose signal acknowledge \
         show:showed,shown find:found learn read:read hear:heard,heard",
    ),
    (
        CueClass::Think,
        "think:thought believe feel:felt hope fear expect know:knew,known worry doubt \
         suspect figure understand:understood realize realise recognize recognise \
         assume consider imagine sense bet:bet,bet trust anticipate see:saw,seen \
         want plan+ intend seek:sought wish",
    ),
    (
        CueClass::Stance,
        "criticize criticise praise accuse attack blame endorse support oppose reject \
         dismiss defend condemn denounce slam+ blast welcome applaud back thank mock \
         challenge decry hail lambaste rebuke ridicule chastise scold urge pressure \
         laud commend fault target question tout",
    ),
];

/// Phrasal cues: base, third person, past, -ing forms; particle; lemma.
const PHRASAL: &[(&str, &str, &str)] = &[
    ("shoot shoots shot shooting", "back", "shoot back"),
    ("fire fires fired firing", "back", "fire back"),
    ("hit hits hit hitting", "back", "hit back"),
    ("push pushes pushed pushing", "back", "push back"),
    ("snap snaps snapped snapping", "back", "snap back"),
    ("go goes went going", "on", "go on"),
    ("weigh weighs weighed weighing", "in", "weigh in"),
    ("chime chimes chimed chiming", "in", "chime in"),
    ("speak speaks spoke speaking", "out", "speak out"),
    ("lash lashes lashed lashing", "out", "lash out"),
    ("sum sums summed summing", "up", "sum up"),
    ("cut cuts cut cutting", "in", "cut in"),
    ("put puts put putting", "it", "put it"),
];

const WORDS: &[(u32, &str)] = &[
    (
        W_DET,
        "the a an this that these those some many several most all both each every other \
         another no any few various his her their its our my your such one",
    ),
    (W_POSS, "his her their its our my your"),
    (
        W_AUX | W_NOT_NP,
        "is was were are be been being has have had do does did will would can could should \
         may might must shall 's 're 've 'll 'd",
    ),
    (W_NEG | W_NOT_NP, "not n't never"),
    (
        W_ADV | W_NOT_NP,
        "also later then repeatedly previously once recently publicly privately earlier \
         again still already just even further first initially quickly immediately \
         flatly firmly strongly openly explicitly clearly simply only subsequently \
         separately often always frequently now similarly likewise ultimately \
         finally anonymously angrily bluntly calmly candidly confidently emphatically \
         forcefully frankly loudly proudly quietly reluctantly sharply softly tersely \
         triumphantly confidently correctly falsely wrongly jokingly sarcastically \
         famously memorably indeed too however nonetheless meanwhile instead though \
         separately back",
    ),
    (
        W_HEDGE | W_ADV | W_NOT_NP,
        "reportedly allegedly purportedly apparently supposedly reputedly seemingly \
         ostensibly",
    ),
    (
        W_PREP | W_NOT_NP,
        "in on at to for with from by about after before during over under into since than \
         as through against without between among amid amidst across toward towards upon \
         via per despite following including regarding throughout within outside inside \
         near behind beyond off onto",
    ),
    (W_PREP, "of"),
    (W_CONJ | W_NOT_NP, "and or but nor so yet plus"),
    (
        W_SUBORD | W_NOT_NP,
        "while because although though whereas if when unless until whether where \
         since once after before as even",
    ),
    (W_REL | W_NOT_NP, "who which that whom whose what"),
    (
        W_TITLE,
        "mr mr. mrs mrs. ms ms. miss dr dr. prof prof. sir dame lady lord president \
         vice prime minister secretary senator sen sen. rep rep. gov gov. governor \
         mayor judge justice chancellor king queen prince princess pope general gen \
         gen. colonel col col. lt lt. captain capt capt. sgt sgt. admiral adm adm. \
         chairman chairwoman chair ceo director ambassador commissioner speaker \
         rev rev. father sister brother rabbi imam sheikh attorney congressman \
         congresswoman councilman councilwoman councillor councilor premier",
    ),
    (
        W_TIME,
        "monday tuesday wednesday thursday friday saturday sunday today yesterday \
         tonight tomorrow week weekend month year morning afternoon evening night \
         january february march april june july august september october november \
         december jan jan. feb feb. aug aug. sept sept. oct oct. nov nov. dec dec. \
         earlier later recently last next ago days weeks months years hours minutes \
         time day",
    ),
    (
        W_PERSON_NOUN,
        "official officials spokesman spokeswoman spokesperson spokesmen spokeswomen \
         source sources analyst analysts expert experts minister ministers \
         president leader leaders diplomat diplomats aide aides adviser advisers \
         advisor advisors officer officers executive executives economist economists \
         lawmaker lawmakers legislator legislators senator senators lawyer lawyers \
         attorney attorneys witness witnesses resident residents voter voters \
         critic critics supporter supporters opponent opponents candidate candidates \
         campaign ministry government administration department agency police \
         prosecutor prosecutors investigator investigators researcher researchers \
         scientist scientists doctor doctors member members chief head chairman \
         chairwoman director secretary ambassador commander general governor mayor \
         judge judges court party man woman men women people person group groups \
         organizers organisers activists activist protesters demonstrators \
         militants rebels observers observer authorities authority statement \
         report reports survey poll study company firm bank committee council \
         commission board union team campaigners officials insiders insider \
         strategist strategists consultant consultants pollster pollsters founder \
         owner manager managers worker workers employee employees student students \
         teacher teachers parents father mother wife husband son daughter brother \
         sister friend friends neighbor neighbors neighbour neighbours \
         congressman congresswoman republican republicans democrat democrats \
         conservative conservatives liberal liberals voters americans",
    ),
    (
        W_MEDIA,
        "media press newspaper newspapers paper agency agencies reports report outlet \
         outlets broadcaster broadcasters television tv radio channel network \
         networks website magazine daily tabloid journal wire news reporters \
         journalists correspondent correspondents",
    ),
    (
        W_NAMING | W_NOT_NP,
        "called dubbed named nicknamed titled entitled so-called labelled labeled \
         termed branded known coined marked stamped",
    ),
    (
        W_REPORT_NOUN,
        "claim claims statement statements warning warnings assertion assertions \
         insistence suggestion remarks remark comments comment view views belief \
         argument allegation allegations accusation accusations promise pledge \
         announcement admission assurance assurances prediction fears fear hope hopes \
         denial message",
    ),
    (W_OBJ_PRONOUN | W_NOT_NP, "him them us me"),
    (
        W_NUMBER,
        "two three four five six seven eight nine ten dozens hundreds thousands \
         millions several",
    ),
    (W_NOT_NP, "there here not no yes how why very more less"),
];

const PRONOUNS: &[(&str, Pronoun)] = &[
    ("he", Pronoun::He),
    ("she", Pronoun::She),
    ("they", Pronoun::They),
    ("it", Pronoun::It),
    ("i", Pronoun::I),
    ("we", Pronoun::We),
    ("you", Pronoun::You),
];

/// Gendered titles and nouns (lower-cased).
const MALE_WORDS: &str = "mr mr. sir lord king prince father brother son husband \
    spokesman chairman congressman councilman businessman man boy uncle nephew \
    grandfather actor emperor duke baron monsieur herr senor signor gentleman widower \
    boyfriend";
const FEMALE_WORDS: &str = "mrs mrs. ms ms. miss dame lady queen princess mother sister \
    daughter wife spokeswoman chairwoman congresswoman councilwoman businesswoman woman \
    girl aunt niece grandmother actress empress duchess baroness madame mme mme. frau \
    senora signora widow girlfriend";

/// Common first names of public figures and the general population, by gender.
const MALE_NAMES: &str = "Aaron Abdullah Adam Ahmed Alan Albert Alec Alejandro Alex \
    Alexander Alexei Ali Andrew Andrei Andrzej Angus Anthony Antonio Antony Ashton Barack \
    Barney Ben Benjamin Bernard Bernie Bill Bob Boris Brad Bradley Brian Bruce Bryan \
    Carl Carlos Charles Charlie Chris Christian Christopher Chuck Clarence Colin Cory \
    Craig Dan Daniel Darren David Dean Dennis Derek Dick Dmitry Dmitri Donald Doug \
    Douglas Duncan Ed Eddie Edward Elon Emmanuel Eric Erik Evan Frank Franklin Fred \
    Frederick Gary Gavin Geoff Geoffrey George Gerald Gordon Graham Greg Gregory Hamid \
    Hank Harold Harry Hassan Henry Howard Hugh Hunter Ian Igor Ivan Jack Jake James \
    Jared Jason Javier Jean-Claude Jeb Jeff Jeffrey Jeremy Jerome Jerry Jim Jimmy Joe \
    Joel John Johnny Jon Jonathan Jorge Jose Joseph Josh Joshua Juan Justin Karl Keith \
    Ken Kenneth Kevin Kirk Kurt Larry Lawrence Lee Len Leon Leonard Lindsey Louis \
    Luis Luke Marco Marcus Mark Martin Matt Matthew Max Michael Miguel Mike Mikhail \
    Mitch Mitt Mohammed Muhammad Nathan Neil Newt Nicholas Nick Nicolas Nigel Norman \
    Oliver Olaf Omar Orrin Oscar Pat Patrick Paul Pedro Pete Peter Phil Philip Pierre \
    Rahm Ralph Rand Randy Ray Recep Reince Reuben Richard Rick Ricky Rob Robert Rodrigo \
    Roger Ron Ronald Ross Roy Rudy Rupert Russell Ryan Sam Samuel Scott Sean Sebastian \
    Sergei Sergey Shinzo Simon Stephen Steve Steven Stuart Ted Terry Thomas Tim Timothy \
    Todd Tom Tommy Tony Trey Vladimir Volodymyr Walter Wayne Wesley Will William Xi \
    Yuri Zach Zachary Viktor Victor Vince Vincent Rex Lamar Jeh";
const FEMALE_NAMES: &str = "Abigail Alexandra Alice Alicia Alison Allison Amanda Amy \
    Andrea Angela Angelina Ann Anna Anne Annie Barbara Betsy Betty Beth Brenda Caitlin \
    Carly Carol Caroline Catherine Cathy Charlotte Chelsea Cheryl Christina Christine \
    Claire Claudia Condoleezza Cynthia Dana Deborah Debbie Debra Denise Diana Diane \
    Donna Dora Doris Dorothy Elaine Eleanor Elena Elizabeth Ellen Emily Emma Erica \
    Evelyn Faith Fiona Frances Gina Gloria Grace Hannah Heather Heidi Helen Hillary \
    Hilary Hope Huma Irene Jacqueline Jane Janet Janice Jennifer Jessica Jill \
    Joan Joanna Joni Josephine Joyce Judith Judy Julia Julie Karen Kate Katherine \
    Kathleen Kathy Katie Kayleigh Kelly Kellyanne Kimberly Kirsten Kristen Laura \
    Lauren Linda Lisa Liz Lois Loretta Lori Louise Lucy Lynn Madeleine Maria Marie \
    Marilyn Marine Marsha Martha Mary Maxine Megan Melania Melissa Meryl Michele \
    Michelle Mona Monica Nancy Natalie Nicola Nicole Nikki Nina Olga Olivia Pamela Patricia \
    Patty Paula Penny Rachel Rebecca Rosa Rose Ruth Sally Samantha Sandra Sara Sarah \
    Sharon Sheila Shirley Sonia Sophie Stephanie Susan Susana Suzanne Sylvia Tammy \
    Teresa Theresa Tiffany Tina Tulsi Ursula Valerie Victoria Virginia Wendy Yulia \
    Zoe Ivanka Jeanne Marianne Angelique Kamala Ilhan Alexandria Nadia";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inflections_of_regular_and_irregular_cues() {
        let lx = Lexicon::build();
        let lemma = |w: &str| lx.get(w.as_bytes()).and_then(|i| i.cue).map(|c| c.lemma);
        assert_eq!(lemma("said"), Some("say"));
        assert_eq!(lemma("says"), Some("say"));
        assert_eq!(lemma("saying"), Some("say"));
        assert_eq!(lemma("told"), Some("tell"));
        assert_eq!(lemma("insisted"), Some("insist"));
        assert_eq!(lemma("argues"), Some("argue"));
        assert_eq!(lemma("arguing"), Some("argue"));
        assert_eq!(lemma("denies"), Some("deny"));
        assert_eq!(lemma("denied"), Some("deny"));
        assert_eq!(lemma("admitted"), Some("admit"));
        assert_eq!(lemma("admitting"), Some("admit"));
        assert_eq!(lemma("stresses"), Some("stress"));
        assert_eq!(lemma("noting"), Some("note"));
        assert_eq!(lemma("written"), Some("write"));
        assert_eq!(lemma("thought"), Some("think"));
        assert_eq!(lemma("table"), None);
        let said = lx.get(b"said").and_then(|i| i.cue).map(|c| c.forms);
        assert_eq!(said, Some(F_PAST | F_PART));
    }

    #[test]
    fn genders_from_titles_nouns_and_names() {
        let lx = Lexicon::build();
        assert_eq!(lx.get(b"mrs").and_then(|i| i.gender), Some(Gender::Female));
        assert_eq!(
            lx.get(b"spokesman").and_then(|i| i.gender),
            Some(Gender::Male)
        );
        assert_eq!(lx.first_name("Hillary"), Some(Gender::Female));
        assert_eq!(lx.first_name("Vladimir"), Some(Gender::Male));
        assert_eq!(lx.first_name("Putin"), None);
        assert_eq!(lx.get(b"he").and_then(|i| i.pronoun), Some(Pronoun::He));
    }
}
