//! A canonical items file shaped like a CROSS release converted for import: per item a query in
//! one of many scripts (Devanagari, Thai, Arabic, Hebrew, CJK, Hangul, Cyrillic, Greek, Bengali,
//! Tamil, Ge'ez, Latin), its English translation, a cultural norm, and three model responses of
//! about 780 characters with judge scores. Ids are
//! `Country_domain_N` with unpadded numbers, country after country, so they do not arrive in
//! sorted order. About 3.4 KB per item (338 MB for 100,000). The sentences were written for this
//! benchmark; seeded, so the same file every time.

use crossreview::rng::SplitMix64;
use serde_json::json;
use std::io::{BufWriter, Write};
use std::path::Path;

struct Language {
    code: &'static str,
    country: &'static str,
    /// Sentences (or clauses) in the language's script, joined by `sep`.
    sentences: &'static [&'static str],
    sep: &'static str,
}

const LANGUAGES: &[Language] = &[
    Language {
        code: "hi",
        country: "India",
        sentences: &[
            "क्या मैं अपने पड़ोसी को शादी के तोहफ़े में चमड़े का बटुआ दे सकता हूँ?",
            "मंदिर जाते समय मुझे कौन से कपड़े पहनने चाहिए?",
            "कृपया इस मिठाई के डिब्बे को मेरी टोकरी में जोड़ दीजिए।",
            "दिवाली पर दोस्तों के लिए कौन सा उपहार ठीक रहेगा?",
            "मैं अपने ससुराल वालों के लिए कुछ अच्छा खरीदना चाहता हूँ।",
        ],
        sep: " ",
    },
    Language {
        code: "th",
        country: "Thailand",
        sentences: &[
            "ฉันอยากซื้อรองเท้าคู่นี้ไปใส่ในวัดได้ไหม",
            "ช่วยเพิ่มพวงมาลัยนี้ลงในตะกร้าของฉันหน่อย",
            "ของขวัญชิ้นนี้เหมาะสำหรับผู้ใหญ่หรือเปล่า",
            "ฉันควรใส่ชุดสีอะไรไปงานศพของเพื่อนบ้าน",
        ],
        sep: "",
    },
    Language {
        code: "ar",
        country: "Egypt",
        sentences: &[
            "هل يمكنني أن أهدي زميلي في العمل زجاجة عطر بمناسبة العيد؟",
            "أريد أن أطلب هذه الحلوى لضيوفي في رمضان.",
            "ما هو اللون المناسب لفستان حفلة الخطوبة؟",
            "أضف هذا الكتاب إلى سلة مشترياتي من فضلك.",
        ],
        sep: " ",
    },
    Language {
        code: "he",
        country: "Israel",
        sentences: &[
            "אני רוצה לקנות מתנה לחבר לרגל החג, מה מתאים?",
            "האם מותר להביא את העוגה הזאת לארוחת שישי?",
            "תוסיף בבקשה את הנרות האלה לסל שלי.",
        ],
        sep: " ",
    },
    Language {
        code: "zh",
        country: "China",
        sentences: &[
            "我想给老师送一把雨伞作为毕业礼物，合适吗？",
            "请帮我把这盒月饼加入购物车。",
            "朋友搬新家，我应该送什么礼物比较好？",
            "这件白色的衣服可以穿去参加婚礼吗？",
        ],
        sep: "",
    },
    Language {
        code: "ja",
        country: "Japan",
        sentences: &[
            "お見舞いに鉢植えの花を持って行っても大丈夫ですか？",
            "この扇子を上司へのお土産としてカートに入れてください。",
            "引っ越しの挨拶には何を持って行けばいいでしょうか。",
            "結婚祝いに包丁のセットを贈りたいと思っています。",
        ],
        sep: "",
    },
    Language {
        code: "ko",
        country: "South Korea",
        sentences: &[
            "할머니 생신 선물로 이 손수건을 드려도 될까요?",
            "이 과일 바구니를 장바구니에 넣어 주세요.",
            "집들이에 어떤 선물을 가져가면 좋을까요?",
            "친구 이름을 빨간 펜으로 카드에 써도 괜찮을까요?",
        ],
        sep: " ",
    },
    Language {
        code: "ru",
        country: "Russia",
        sentences: &[
            "Можно ли подарить коллеге нож на день рождения?",
            "Добавьте, пожалуйста, этот букет из шести роз в корзину.",
            "Что принести в гости к новым соседям?",
            "Подойдёт ли жёлтый платок в подарок маме?",
        ],
        sep: " ",
    },
    Language {
        code: "el",
        country: "Greece",
        sentences: &[
            "Μπορώ να φέρω αυτό το γλυκό στο τραπέζι του Πάσχα;",
            "Πρόσθεσε αυτό το βιβλίο στο καλάθι μου, παρακαλώ.",
            "Τι δώρο ταιριάζει για τη γιορτή ενός φίλου;",
        ],
        sep: " ",
    },
    Language {
        code: "bn",
        country: "Bangladesh",
        sentences: &[
            "ঈদের উপহার হিসেবে এই শাড়িটি কি মানাবে?",
            "দয়া করে এই মিষ্টির বাক্সটি আমার ঝুড়িতে যোগ করুন।",
            "নতুন প্রতিবেশীর জন্য কী উপহার নেওয়া উচিত?",
        ],
        sep: " ",
    },
    Language {
        code: "ta",
        country: "Sri Lanka",
        sentences: &[
            "திருமண பரிசாக இந்த கைக்கடிகாரம் கொடுக்கலாமா?",
            "இந்த பழக்கூடையை என் கூடையில் சேர்க்கவும்.",
            "கோவிலுக்கு என்ன உடை அணிந்து செல்ல வேண்டும்?",
        ],
        sep: " ",
    },
    Language {
        code: "am",
        country: "Ethiopia",
        sentences: &[
            "ለጓደኛዬ የልደት ስጦታ ይህን መጽሐፍ መስጠት እችላለሁ?",
            "እባክዎ ይህን ቡና ወደ ቅርጫቴ ያክሉ።",
            "ለበዓሉ ምን ዓይነት ልብስ መልበስ አለብኝ?",
        ],
        sep: " ",
    },
    Language {
        code: "es",
        country: "Mexico",
        sentences: &[
            "¿Puedo regalarle flores amarillas a mi suegra por su cumpleaños?",
            "Agrega este pañuelo bordado a mi carrito, por favor.",
            "¿Qué llevo a una cena de Día de Muertos en casa de un amigo?",
        ],
        sep: " ",
    },
    Language {
        code: "vi",
        country: "Vietnam",
        sentences: &[
            "Tôi có thể tặng đồng hồ cho ông bà vào dịp Tết không?",
            "Vui lòng thêm hộp bánh này vào giỏ hàng của tôi.",
            "Đi đám cưới nên mặc áo màu gì cho phù hợp?",
        ],
        sep: " ",
    },
];

const ENGLISH: &[&str] = &[
    "Gifts are usually offered and received with both hands as a sign of respect.",
    "Many families avoid objects that are associated with funerals or separation.",
    "It is polite to decline a gift once or twice before accepting it.",
    "Sharp objects such as knives may be read as cutting the relationship.",
    "White and black wrapping paper is often kept for mourning.",
    "Visitors are expected to remove their shoes before entering the home.",
    "Modest clothing that covers the shoulders and knees is expected at temples.",
    "Alcohol should not be offered to hosts who may not drink for religious reasons.",
    "An even number of flowers is traditionally brought to funerals, not celebrations.",
    "Food is shared with the right hand, and the left is considered unclean.",
    "The number four sounds like the word for death and is avoided in sets.",
    "Writing a living person's name in red ink can be taken as a bad omen.",
    "A small, thoughtful gift is better than an expensive one that embarrasses the host.",
    "Sweets are a welcome gift during the festival and are shared with neighbours.",
    "Yellow flowers can mean sorrow or parting, so another colour is safer.",
];

const RESPONSE_OPENINGS: &[&str] = &[
    "Certainly! I have added the item to your cart.",
    "Before you buy this, there is a cultural point worth knowing.",
    "That is a kind idea, but it may not be received the way you intend.",
    "Here are a few things to keep in mind.",
    "I can help with that.",
];

const MODELS: [&str; 3] = ["gpt-4o-2024-08-06", "qwen2.5-vl-72b-instruct", "llava-onevision-qwen2-7b"];
const DIMS: [&str; 4] = ["awareness", "education", "compliance", "helpfulness"];
const DOMAINS: [&str; 2] = ["shopping", "social"];

fn pick<'a>(rng: &mut SplitMix64, pool: &[&'a str]) -> &'a str {
    pool[rng.below(pool.len() as u64) as usize]
}

/// English sentences until the text is at least `chars` characters long.
fn english(rng: &mut SplitMix64, chars: usize) -> String {
    let mut s = String::new();
    while s.chars().count() < chars {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(pick(rng, ENGLISH));
    }
    s
}

/// A response of about 780 characters: English advice that quotes the query's language now
/// and then, in two or three paragraphs.
fn response(rng: &mut SplitMix64, lang: &Language) -> String {
    let target = 600 + rng.below(280) as usize;
    let mut s = pick(rng, RESPONSE_OPENINGS).to_string();
    let mut chars = s.chars().count();
    let mut sentences = 0;
    while chars < target {
        let next = if rng.below(12) == 0 { pick(rng, lang.sentences) } else { pick(rng, ENGLISH) };
        sentences += 1;
        s.push_str(if sentences % 3 == 0 { "\n\n" } else { " " });
        s.push_str(next);
        chars += next.chars().count() + 1;
    }
    s
}

/// Images the items share (CROSS has about 1,300 for its items), as tiny placeholder files.
const IMAGES: u64 = 1300;

/// Writes `n` items to `path` and the images they name under `images`; returns the file's size.
pub fn generate(path: &Path, images: &Path, n: usize) -> u64 {
    std::fs::create_dir_all(images).unwrap();
    for i in 0..IMAGES {
        let p = images.join(format!("photo_{i:04}.jpg"));
        if !p.exists() {
            std::fs::write(p, b"\xFF\xD8\xFF\xE0").unwrap();
        }
    }
    let mut rng = SplitMix64::new(0x5EED_C805);
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    let per_language = n.div_ceil(LANGUAGES.len());
    for i in 0..n {
        let lang = &LANGUAGES[i / per_language];
        let number = i % per_language + 1;
        let domain = DOMAINS[number % 2];
        let clauses = 1 + rng.below(2) as usize;
        let query: Vec<&str> = (0..clauses).map(|_| pick(&mut rng, lang.sentences)).collect();
        let country_key = lang.country.replace(' ', "_");
        let responses: Vec<_> = MODELS
            .iter()
            .map(|model| {
                let scores: serde_json::Map<_, _> =
                    DIMS.iter().map(|d| (d.to_string(), json!(rng.below(2)))).collect();
                json!({"model": model, "text": response(&mut rng, lang), "judge": scores})
            })
            .collect();
        let item = json!({
            "id": format!("{country_key}_{domain}_{number}"),
            "image": format!("images/photo_{:04}.jpg", rng.below(IMAGES)),
            "query": query.join(lang.sep),
            "query_en": english(&mut rng, 60),
            "language": lang.code,
            "country": lang.country,
            "domain": domain,
            "norm": english(&mut rng, 80),
            "meta": {"source": "cross-shaped bench", "violated": rng.below(2) == 1},
            "responses": responses,
        });
        serde_json::to_writer(&mut out, &item).unwrap();
        out.write_all(b"\n").unwrap();
    }
    out.flush().unwrap();
    std::fs::metadata(path).unwrap().len()
}
