//! Yes/no cells, multi-valued tag cells and the 统一社会信用代码 check (GB 32100-2015).

use crate::ingest::Cell;

/// Reads a yes/no cell: 是/否, Y/N, yes/no, true/false, √/×, ✓/✗, 1/0, 有/无, 对/错.
/// `Ok(None)` for an empty cell, `Err(())` for any other text.
pub fn read_bool(cell: &Cell) -> Result<Option<bool>, ()> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Bool(b) => Ok(Some(*b)),
        Cell::Number(n) if *n == 1.0 => Ok(Some(true)),
        Cell::Number(n) if *n == 0.0 => Ok(Some(false)),
        Cell::Text(t) => {
            let w = crate::text::compact(t).to_uppercase();
            match w.as_str() {
                "" => Ok(None),
                "是" | "Y" | "YES" | "TRUE" | "√" | "✓" | "✔" | "1" | "有" | "对" => {
                    Ok(Some(true))
                }
                "否" | "N" | "NO" | "FALSE" | "×" | "✗" | "✘" | "X" | "0" | "无" | "没有"
                | "错" => Ok(Some(false)),
                _ => Err(()),
            }
        }
        _ => Err(()),
    }
}

/// Splits a tag cell on 、 , ， / ; ； and whitespace (after NFKC), dropping empty parts.
pub fn split_tags(raw: &str) -> Vec<String> {
    crate::text::nfkc(raw)
        .split(|c: char| matches!(c, '、' | ',' | '/' | ';' | '，' | '；') || c.is_whitespace())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The characters of a 统一社会信用代码 with their values (0–30).
const USCC_CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// The check character for the first 17 characters of a code (all in the charset).
pub fn uscc_check_char(first17: &str) -> Option<char> {
    let mut sum = 0;
    for (ch, w) in first17.chars().zip(USCC_WEIGHTS) {
        sum += USCC_CHARSET.find(ch)? as u32 * w;
    }
    if first17.chars().count() != 17 {
        return None;
    }
    let c = (31 - sum % 31) % 31;
    USCC_CHARSET.chars().nth(c as usize)
}

/// Normalises (NFKC, no spaces, upper case) and checks a 统一社会信用代码. Returns the
/// normalised code, or a Chinese message saying what is wrong.
pub fn check_uscc(raw: &str) -> Result<String, String> {
    let code: String = crate::text::nfkc(raw)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    let n = code.chars().count();
    if n != 18 {
        return Err(format!(
            "统一社会信用代码应为18位，“{raw}”为{n}位，请核对后重新填写"
        ));
    }
    for (i, ch) in code.chars().enumerate() {
        if !USCC_CHARSET.contains(ch) {
            return Err(format!(
                "统一社会信用代码第{}位“{ch}”不是有效字符（只能是数字0-9或除I、O、Z、S、V外的大写字母），请核对",
                i + 1
            ));
        }
    }
    let first17: String = code.chars().take(17).collect();
    let last = code.chars().last().unwrap_or(' ');
    match uscc_check_char(&first17) {
        Some(want) if want == last => Ok(code),
        Some(want) => Err(format!(
            "统一社会信用代码“{code}”校验位错误：第18位应为“{want}”而不是“{last}”，可能有字符录入错误，请对照营业执照核对"
        )),
        None => Err(format!("统一社会信用代码“{code}”无法校验，请核对")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yes_no_words() {
        for w in ["是", "Y", "y", "Yes", "√", "1", "有", "ＴＲＵＥ"] {
            assert_eq!(read_bool(&Cell::Text(w.into())), Ok(Some(true)), "{w}");
        }
        for w in ["否", "N", "no", "×", "0", "无", " 否 "] {
            assert_eq!(read_bool(&Cell::Text(w.into())), Ok(Some(false)), "{w}");
        }
        assert_eq!(read_bool(&Cell::Number(1.0)), Ok(Some(true)));
        assert_eq!(read_bool(&Cell::Bool(false)), Ok(Some(false)));
        assert_eq!(read_bool(&Cell::Empty), Ok(None));
        assert_eq!(read_bool(&Cell::Text("待定".into())), Err(()));
        assert_eq!(read_bool(&Cell::Number(2.0)), Err(()));
    }

    #[test]
    fn tags_split_on_every_separator() {
        assert_eq!(
            split_tags("高新技术企业、科技型中小企业,A／B；C  D"),
            vec!["高新技术企业", "科技型中小企业", "A", "B", "C", "D"]
        );
        assert!(split_tags(" 、 ").is_empty());
    }

    #[test]
    fn credit_codes_are_checked() {
        // A published example code (GB 32100-2015 check digit).
        assert_eq!(uscc_check_char("91350100M000100Y4"), Some('3'));
        assert_eq!(
            check_uscc("９１３５０１００ｍ０００１００ｙ４３").unwrap(),
            "91350100M000100Y43"
        );
        let wrong = check_uscc("91350100M000100Y44").unwrap_err();
        assert!(wrong.contains("第18位应为“3”"), "{wrong}");
        let short = check_uscc("91350100M000100Y4").unwrap_err();
        assert!(short.contains("17位"), "{short}");
        let bad_char = check_uscc("91350100M000100I43").unwrap_err();
        assert!(bad_char.contains("第16位“I”"), "{bad_char}");
        // Check value 31 - 0 = 31 maps to 0.
        let mut found = false;
        for a in USCC_CHARSET.chars() {
            let first = format!("9132000000000000{a}");
            if uscc_check_char(&first) == Some('0') {
                found = true;
                assert!(check_uscc(&format!("{first}0")).is_ok());
            }
        }
        assert!(found);
    }
}
