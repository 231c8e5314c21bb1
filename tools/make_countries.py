"""Write src/cta/data/countries.csv and countries.md from pycountry and ICAO Doc 9303 Part 3.

Dev-time only: run `.venv/bin/python tools/make_countries.py` after upgrading pycountry.
The ISO rows come from pycountry (ISO 3166-1) and its gettext catalogues; the ICAO rows are
the codes Doc 9303 Part 3 (8th ed., 2021), Section 5, adds beside ISO 3166-1, with names we
wrote ourselves in English, Azerbaijani, Armenian, Georgian and Russian.
"""

from __future__ import annotations

import csv
import datetime as dt
import gettext
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pycountry

from cta.policy.countries import COLUMNS

ROOT = Path(__file__).resolve().parents[1]
CSV_PATH = ROOT / "src" / "cta" / "data" / "countries.csv"
MD_PATH = ROOT / "src" / "cta" / "data" / "countries.md"
LANGUAGES = ("az", "hy", "ka", "ru")

# code, alpha2, numeric, then names in en, az, hy, ka, ru.
# Doc 9303 Part 3 Section 5, Parts A-H; XKX is not in Doc 9303 but some issuers and data
# sets use it for Kosovo (the user-assigned code the European Commission uses).
ICAO_CODES: tuple[tuple[str, str, str, str, str, str, str, str], ...] = (
    ("D", "DE", "", "Germany", "Almaniya", "Գերմանիա", "გერმანია", "Германия"),
    (
        "GBD",
        "",
        "",
        "British Overseas Territories Citizen",
        "Britaniya xaricdəki əraziləri vətəndaşı",
        "Բրիտանական անդրծովյան տարածքների քաղաքացի",
        "ბრიტანეთის საზღვარგარეთის ტერიტორიების მოქალაქე",
        "Гражданин британских заморских территорий",
    ),
    (
        "GBN",
        "",
        "",
        "British National (Overseas)",
        "Britaniya vətəndaşı (xaricdə)",
        "Բրիտանական ազգային (անդրծովյան)",
        "ბრიტანეთის ეროვნული (საზღვარგარეთ)",
        "Британский подданный (заморский)",
    ),
    (
        "GBO",
        "",
        "",
        "British Overseas Citizen",
        "Britaniya xaricdəki vətəndaşı",
        "Բրիտանական անդրծովյան քաղաքացի",
        "ბრიტანეთის საზღვარგარეთის მოქალაქე",
        "Британский заморский гражданин",
    ),
    (
        "GBP",
        "",
        "",
        "British Protected Person",
        "Britaniyanın himayəsində olan şəxs",
        "Բրիտանական պաշտպանության ներքո գտնվող անձ",
        "ბრიტანეთის მფარველობის ქვეშ მყოფი პირი",
        "Лицо под британской защитой",
    ),
    (
        "GBS",
        "",
        "",
        "British Subject",
        "Britaniya təbəəsi",
        "Բրիտանական հպատակ",
        "ბრიტანეთის ქვეშევრდომი",
        "Британский подданный",
    ),
    ("RKS", "KS", "", "Kosovo", "Kosovo", "Կոսովո", "კოსოვო", "Косово"),
    (
        "XKX",
        "XK",
        "",
        "Kosovo (user-assigned code)",
        "Kosovo (istifadəçi kodu)",
        "Կոսովո (օգտագործողի կոդ)",
        "კოსოვო (მომხმარებლის კოდი)",
        "Косово (пользовательский код)",
    ),
    (
        "EUE",
        "EU",
        "",
        "European Union",
        "Avropa İttifaqı",
        "Եվրոպական միություն",
        "ევროკავშირი",
        "Европейский союз",
    ),
    (
        "UNO",
        "UN",
        "",
        "United Nations Organization or one of its officials",
        "Birləşmiş Millətlər Təşkilatı və ya onun əməkdaşı",
        "Միավորված ազգերի կազմակերպություն կամ նրա պաշտոնյա",
        "გაერთიანებული ერების ორგანიზაცია ან მისი თანამშრომელი",
        "Организация Объединённых Наций или её должностное лицо",
    ),
    (
        "UNA",
        "UN",
        "",
        "United Nations specialized agency or one of its officials",
        "BMT-nin ixtisaslaşmış agentliyi və ya onun əməkdaşı",
        "ՄԱԿ-ի մասնագիտացված գործակալություն կամ նրա պաշտոնյա",
        "გაეროს სპეციალიზებული სააგენტო ან მისი თანამშრომელი",
        "Специализированное учреждение ООН или его должностное лицо",
    ),
    (
        "UNK",
        "",
        "",
        "Resident of Kosovo with a UNMIK travel document",
        "UNMIK səyahət sənədi olan Kosovo sakini",
        "ՅՈՒՆՄԻԿ-ի ճամփորդական փաստաթղթով Կոսովոյի բնակիչ",
        "კოსოვოს მცხოვრები გაეროს მისიის (UNMIK) სამგზავრო დოკუმენტით",
        "Житель Косово с проездным документом МООНК",
    ),
    (
        "XBA",
        "",
        "",
        "African Development Bank",
        "Afrika İnkişaf Bankı",
        "Աֆրիկյան զարգացման բանկ",
        "აფრიკის განვითარების ბანკი",
        "Африканский банк развития",
    ),
    (
        "XIM",
        "",
        "",
        "African Export-Import Bank",
        "Afrika İxrac-İdxal Bankı",
        "Աֆրիկյան արտահանման-ներմուծման բանկ",
        "აფრიკის ექსპორტ-იმპორტის ბანკი",
        "Африканский экспортно-импортный банк",
    ),
    (
        "XCC",
        "",
        "",
        "Caribbean Community (CARICOM)",
        "Karib Birliyi (CARICOM)",
        "Կարիբյան համայնք (CARICOM)",
        "კარიბის თანამეგობრობა (CARICOM)",
        "Карибское сообщество (КАРИКОМ)",
    ),
    (
        "XCE",
        "",
        "",
        "Council of Europe",
        "Avropa Şurası",
        "Եվրոպայի խորհուրդ",
        "ევროპის საბჭო",
        "Совет Европы",
    ),
    (
        "XCO",
        "",
        "",
        "Common Market for Eastern and Southern Africa (COMESA)",
        "Şərqi və Cənubi Afrika Ümumi Bazarı (COMESA)",
        "Արևելյան և Հարավային Աֆրիկայի ընդհանուր շուկա (COMESA)",
        "აღმოსავლეთ და სამხრეთ აფრიკის საერთო ბაზარი (COMESA)",
        "Общий рынок Восточной и Южной Африки (КОМЕСА)",
    ),
    (
        "XEC",
        "",
        "",
        "Economic Community of West African States (ECOWAS)",
        "Qərbi Afrika Dövlətlərinin İqtisadi Birliyi (ECOWAS)",
        "Արևմտյան Աֆրիկայի պետությունների տնտեսական համայնք (ECOWAS)",
        "დასავლეთ აფრიკის სახელმწიფოთა ეკონომიკური თანამეგობრობა (ECOWAS)",
        "Экономическое сообщество стран Западной Африки (ЭКОВАС)",
    ),
    (
        "XPO",
        "",
        "",
        "International Criminal Police Organization (INTERPOL)",
        "Beynəlxalq Kriminal Polis Təşkilatı (İnterpol)",
        "Քրեական ոստիկանության միջազգային կազմակերպություն (Ինտերպոլ)",
        "სისხლის სამართლის პოლიციის საერთაშორისო ორგანიზაცია (ინტერპოლი)",
        "Международная организация уголовной полиции (Интерпол)",
    ),
    (
        "XES",
        "",
        "",
        "Organisation of Eastern Caribbean States (OECS)",
        "Şərqi Karib Dövlətləri Təşkilatı (OECS)",
        "Արևելյան Կարիբյան պետությունների կազմակերպություն (OECS)",
        "აღმოსავლეთ კარიბის სახელმწიფოთა ორგანიზაცია (OECS)",
        "Организация восточнокарибских государств (ОВКГ)",
    ),
    (
        "XMP",
        "",
        "",
        "Parliamentary Assembly of the Mediterranean (PAM)",
        "Aralıq Dənizi Parlament Assambleyası (PAM)",
        "Միջերկրածովյան խորհրդարանական վեհաժողով (PAM)",
        "ხმელთაშუა ზღვის საპარლამენტო ასამბლეა (PAM)",
        "Парламентская ассамблея Средиземноморья (ПАС)",
    ),
    (
        "XOM",
        "",
        "",
        "Sovereign Military Order of Malta",
        "Suveren Malta Hərbi Ordeni",
        "Մալթայի ինքնիշխան ռազմական օրդեն",
        "მალტის სუვერენული სამხედრო ორდენი",
        "Мальтийский орден",
    ),
    (
        "XDC",
        "",
        "",
        "Southern African Development Community",
        "Cənubi Afrika İnkişaf Birliyi",
        "Հարավային Աֆրիկայի զարգացման համայնք",
        "სამხრეთ აფრიკის განვითარების თანამეგობრობა",
        "Сообщество развития Юга Африки",
    ),
    (
        "XXA",
        "",
        "",
        "Stateless person",
        "Vətəndaşlığı olmayan şəxs",
        "Քաղաքացիություն չունեցող անձ",
        "მოქალაქეობის არმქონე პირი",
        "Лицо без гражданства",
    ),
    (
        "XXB",
        "",
        "",
        "Refugee (1951 Convention)",
        "Qaçqın (1951-ci il Konvensiyası)",
        "Փախստական (1951 թ. կոնվենցիա)",
        "ლტოლვილი (1951 წლის კონვენცია)",
        "Беженец (Конвенция 1951 года)",
    ),
    (
        "XXC",
        "",
        "",
        "Refugee (other)",
        "Qaçqın (digər)",
        "Փախստական (այլ)",
        "ლტოლვილი (სხვა)",
        "Беженец (иной)",
    ),
    (
        "XXX",
        "",
        "",
        "Unspecified nationality",
        "Vətəndaşlığı göstərilməyib",
        "Չնշված քաղաքացիություն",
        "მოქალაქეობა მითითებული არ არის",
        "Гражданство не указано",
    ),
    (
        "ANT",
        "AN",
        "530",
        "Netherlands Antilles",
        "Niderland Antil adaları",
        "Նիդեռլանդական Անտիլներ",
        "ნიდერლანდის ანტილები",
        "Нидерландские Антильские острова",
    ),
    (
        "NTZ",
        "NT",
        "536",
        "Neutral Zone",
        "Neytral zona",
        "Չեզոք գոտի",
        "ნეიტრალური ზონა",
        "Нейтральная зона",
    ),
    (
        "UTO",
        "UT",
        "",
        "Utopia (specimen documents)",
        "Utopiya (nümunə sənədlər)",
        "Ուտոպիա (նմուշային փաստաթղթեր)",
        "უტოპია (ნიმუშის დოკუმენტები)",
        "Утопия (образцы документов)",
    ),
    (
        "IAO",
        "IA",
        "",
        "International Civil Aviation Organization (ICAO)",
        "Beynəlxalq Mülki Aviasiya Təşkilatı (ICAO)",
        "Քաղաքացիական ավիացիայի միջազգային կազմակերպություն (ԻԿԱՕ)",
        "სამოქალაქო ავიაციის საერთაშორისო ორგანიზაცია (ICAO)",
        "Международная организация гражданской авиации (ИКАО)",
    ),
)


def iso_rows(fallbacks: dict[str, list[str]]) -> Iterator[list[str]]:
    """Yield one row per ISO 3166-1 country; record the codes whose name fell back to English."""
    catalogues = {
        lang: gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
        for lang in LANGUAGES
    }
    for country in sorted(pycountry.countries, key=lambda c: c.alpha_3):
        names = [country.name]
        for lang in LANGUAGES:
            translated = catalogues[lang].gettext(country.name)
            if translated == country.name:
                fallbacks[lang].append(country.alpha_3)
            names.append(translated)
        yield [country.alpha_3, country.alpha_2, country.numeric, "iso", *names]


def icao_rows() -> Iterator[list[str]]:
    """Yield one row per ICAO-only code."""
    for code, alpha2, numeric, *names in ICAO_CODES:
        yield [code, alpha2, numeric, "icao", *names]


def write_notes(fallbacks: dict[str, list[str]], rows: int) -> None:
    """Write the source and date of the table beside it (CSV has no place for comments)."""
    today = dt.datetime.now(dt.UTC).date().isoformat()
    lines = [
        "# countries.csv",
        "",
        f"Generated {today} by `tools/make_countries.py`; {rows} rows. Do not edit by hand.",
        "",
        "## Sources",
        "",
        f"- `kind=iso`: ISO 3166-1 alpha-3 codes, alpha-2, numeric and English short names from "
        f"pycountry {version('pycountry')} (Debian iso-codes data); names in az, hy, ka and ru "
        "from the iso-codes gettext catalogues shipped with pycountry.",
        "- `kind=icao`: the codes ICAO Doc 9303 *Machine Readable Travel Documents*, Part 3, "
        "8th edition 2021, Section 5 (Parts A-H) adds beside ISO 3166-1 (`D` for Germany, "
        "the British codes, RKS, EUE, the UN codes, other issuing authorities, XXA/XXB/XXC/XXX, "
        "the deprecated ANT and NTZ, UTO for specimens, IAO), plus XKX, the user-assigned "
        "code some issuers and data sets use for Kosovo. Names in all five languages are our "
        "own translations.",
        "",
        "## Names that fell back to English",
        "",
        "The catalogue had no translation for these codes, so the English name is used (a few, "
        "such as Aruba in Azerbaijani, are simply spelt the same).",
        "",
    ]
    for lang in LANGUAGES:
        codes = fallbacks[lang]
        listed = ", ".join(codes) if codes else "none"
        lines.append(f"- `{lang}` ({len(codes)}): {listed}")
    MD_PATH.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    """Regenerate the country table and its notes."""
    fallbacks: dict[str, list[str]] = {lang: [] for lang in LANGUAGES}
    rows = [*iso_rows(fallbacks), *icao_rows()]
    CSV_PATH.parent.mkdir(parents=True, exist_ok=True)
    with CSV_PATH.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    write_notes(fallbacks, len(rows))
    print(f"wrote {len(rows)} rows to {CSV_PATH.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
