# ruff: noqa: RUF002 (this module is about typographic apostrophes)
"""Recommending-state names: one canonical spelling per state, whatever the source wrote.

UPR sources spell states differently: the UPR Info database uses everyday names ("Iran",
"Venezuela", "DPR Korea", "Trinidad & Tobago"), the UN's own lists use the formal order
("Islamic Republic of Iran", "Bolivarian Republic of Venezuela") and text copied from
PDF reports carries spaced apostrophes ("Democratic People ’ s Republic of Korea"). The
portal stores the UN short name (the name the UN uses in its lists and reports) so the
same state is the same string in every cycle.

Canonical names use the typographic apostrophe ’ (as the UN does: "Côte d’Ivoire").
Matching ignores case, accents, doubled spaces, the kind of apostrophe, "&" for "and" and
a leading "the", so only genuinely different names need an entry in `ALIASES`.

Pure data and string handling: no Django, no database.
"""

from __future__ import annotations

import re
import unicodedata

# The 193 UN member states, by their UN short names (UNTERM). Where the UN short name is
# long, the everyday form the UN also uses in UPR documents is chosen ("United Kingdom").
MEMBER_STATES: frozenset[str] = frozenset(
    {
        "Afghanistan",
        "Albania",
        "Algeria",
        "Andorra",
        "Angola",
        "Antigua and Barbuda",
        "Argentina",
        "Armenia",
        "Australia",
        "Austria",
        "Azerbaijan",
        "Bahamas",
        "Bahrain",
        "Bangladesh",
        "Barbados",
        "Belarus",
        "Belgium",
        "Belize",
        "Benin",
        "Bhutan",
        "Bolivia (Plurinational State of)",
        "Bosnia and Herzegovina",
        "Botswana",
        "Brazil",
        "Brunei Darussalam",
        "Bulgaria",
        "Burkina Faso",
        "Burundi",
        "Cabo Verde",
        "Cambodia",
        "Cameroon",
        "Canada",
        "Central African Republic",
        "Chad",
        "Chile",
        "China",
        "Colombia",
        "Comoros",
        "Congo",
        "Costa Rica",
        "Côte d’Ivoire",
        "Croatia",
        "Cuba",
        "Cyprus",
        "Czechia",
        "Democratic People’s Republic of Korea",
        "Democratic Republic of the Congo",
        "Denmark",
        "Djibouti",
        "Dominica",
        "Dominican Republic",
        "Ecuador",
        "Egypt",
        "El Salvador",
        "Equatorial Guinea",
        "Eritrea",
        "Estonia",
        "Eswatini",
        "Ethiopia",
        "Fiji",
        "Finland",
        "France",
        "Gabon",
        "Gambia",
        "Georgia",
        "Germany",
        "Ghana",
        "Greece",
        "Grenada",
        "Guatemala",
        "Guinea",
        "Guinea-Bissau",
        "Guyana",
        "Haiti",
        "Honduras",
        "Hungary",
        "Iceland",
        "India",
        "Indonesia",
        "Iran (Islamic Republic of)",
        "Iraq",
        "Ireland",
        "Israel",
        "Italy",
        "Jamaica",
        "Japan",
        "Jordan",
        "Kazakhstan",
        "Kenya",
        "Kiribati",
        "Kuwait",
        "Kyrgyzstan",
        "Lao People’s Democratic Republic",
        "Latvia",
        "Lebanon",
        "Lesotho",
        "Liberia",
        "Libya",
        "Liechtenstein",
        "Lithuania",
        "Luxembourg",
        "Madagascar",
        "Malawi",
        "Malaysia",
        "Maldives",
        "Mali",
        "Malta",
        "Marshall Islands",
        "Mauritania",
        "Mauritius",
        "Mexico",
        "Micronesia (Federated States of)",
        "Monaco",
        "Mongolia",
        "Montenegro",
        "Morocco",
        "Mozambique",
        "Myanmar",
        "Namibia",
        "Nauru",
        "Nepal",
        "Netherlands (Kingdom of the)",
        "New Zealand",
        "Nicaragua",
        "Niger",
        "Nigeria",
        "North Macedonia",
        "Norway",
        "Oman",
        "Pakistan",
        "Palau",
        "Panama",
        "Papua New Guinea",
        "Paraguay",
        "Peru",
        "Philippines",
        "Poland",
        "Portugal",
        "Qatar",
        "Republic of Korea",
        "Republic of Moldova",
        "Romania",
        "Russian Federation",
        "Rwanda",
        "Saint Kitts and Nevis",
        "Saint Lucia",
        "Saint Vincent and the Grenadines",
        "Samoa",
        "San Marino",
        "Sao Tome and Principe",
        "Saudi Arabia",
        "Senegal",
        "Serbia",
        "Seychelles",
        "Sierra Leone",
        "Singapore",
        "Slovakia",
        "Slovenia",
        "Solomon Islands",
        "Somalia",
        "South Africa",
        "South Sudan",
        "Spain",
        "Sri Lanka",
        "Sudan",
        "Suriname",
        "Sweden",
        "Switzerland",
        "Syrian Arab Republic",
        "Tajikistan",
        "Thailand",
        "Timor-Leste",
        "Togo",
        "Tonga",
        "Trinidad and Tobago",
        "Tunisia",
        "Türkiye",
        "Turkmenistan",
        "Tuvalu",
        "Uganda",
        "Ukraine",
        "United Arab Emirates",
        "United Kingdom",
        "United Republic of Tanzania",
        "United States of America",
        "Uruguay",
        "Uzbekistan",
        "Vanuatu",
        "Venezuela (Bolivarian Republic of)",
        "Viet Nam",
        "Yemen",
        "Zambia",
        "Zimbabwe",
    }
)

# Non-member observer states, which take part in UPR reviews.
OBSERVER_STATES: frozenset[str] = frozenset({"Holy See", "State of Palestine"})

# Groups of states that make joint recommendations and appear as a recommending "state".
RECOMMENDING_GROUPS: frozenset[str] = frozenset({"ACT Group"})

KNOWN_STATES: frozenset[str] = MEMBER_STATES | OBSERVER_STATES | RECOMMENDING_GROUPS

# Variant spelling -> canonical name. Only variants that the matching rules in `_key`
# (case, accents, spacing, apostrophes, "&", a leading "the") do not already cover.
ALIASES: dict[str, str] = {
    # Seen in the UPR Info export (cycle 1) and the UN list (cycle 3).
    "DPR Korea": "Democratic People’s Republic of Korea",
    "Iran": "Iran (Islamic Republic of)",
    "Islamic Republic of Iran": "Iran (Islamic Republic of)",
    "Venezuela": "Venezuela (Bolivarian Republic of)",
    "Bolivarian Republic of Venezuela": "Venezuela (Bolivarian Republic of)",
    "Bolivia": "Bolivia (Plurinational State of)",
    "Plurinational State of Bolivia": "Bolivia (Plurinational State of)",
    "Moldova": "Republic of Moldova",
    "United Kingdom of Great Britain and Northern Ireland": "United Kingdom",
    "Trinidad & Tobago": "Trinidad and Tobago",
    "Turkey": "Türkiye",
    "Netherlands": "Netherlands (Kingdom of the)",
    "Kingdom of the Netherlands": "Netherlands (Kingdom of the)",
    # Common variants in other UPR sources.
    "North Korea": "Democratic People’s Republic of Korea",
    "Korea, Democratic People’s Republic of": "Democratic People’s Republic of Korea",
    "DPRK": "Democratic People’s Republic of Korea",
    "South Korea": "Republic of Korea",
    "Korea": "Republic of Korea",
    "Korea, Republic of": "Republic of Korea",
    "Iran, Islamic Republic of": "Iran (Islamic Republic of)",
    "Venezuela, Bolivarian Republic of": "Venezuela (Bolivarian Republic of)",
    "Bolivia, Plurinational State of": "Bolivia (Plurinational State of)",
    "Moldova, Republic of": "Republic of Moldova",
    "UK": "United Kingdom",
    "Great Britain": "United Kingdom",
    "Turkiye": "Türkiye",
    "Republic of Türkiye": "Türkiye",
    "Czech Republic": "Czechia",
    "Ivory Coast": "Côte d’Ivoire",
    "Vietnam": "Viet Nam",
    "Syria": "Syrian Arab Republic",
    "Russia": "Russian Federation",
    "Laos": "Lao People’s Democratic Republic",
    "Lao PDR": "Lao People’s Democratic Republic",
    "Tanzania": "United Republic of Tanzania",
    "Macedonia": "North Macedonia",
    "The former Yugoslav Republic of Macedonia": "North Macedonia",
    "Swaziland": "Eswatini",
    "Cape Verde": "Cabo Verde",
    "Brunei": "Brunei Darussalam",
    "Micronesia": "Micronesia (Federated States of)",
    "Federated States of Micronesia": "Micronesia (Federated States of)",
    "Burma": "Myanmar",
    "East Timor": "Timor-Leste",
    "Kyrgyz Republic": "Kyrgyzstan",
    "Slovak Republic": "Slovakia",
    "Congo (Brazzaville)": "Congo",
    "Republic of the Congo": "Congo",
    "Republic of Congo": "Congo",
    "Congo (Kinshasa)": "Democratic Republic of the Congo",
    "Democratic Republic of Congo": "Democratic Republic of the Congo",
    "DR Congo": "Democratic Republic of the Congo",
    "DRC": "Democratic Republic of the Congo",
    "St Kitts and Nevis": "Saint Kitts and Nevis",
    "St. Kitts and Nevis": "Saint Kitts and Nevis",
    "St Lucia": "Saint Lucia",
    "St. Lucia": "Saint Lucia",
    "St Vincent and the Grenadines": "Saint Vincent and the Grenadines",
    "St. Vincent and the Grenadines": "Saint Vincent and the Grenadines",
    "Libyan Arab Jamahiriya": "Libya",
    "Palestine": "State of Palestine",
    "Vatican": "Holy See",
    "United States": "United States of America",
    "USA": "United States of America",
    "US": "United States of America",
    "Accountability, Coherence and Transparency Group": "ACT Group",
    # Truncated: the UN list for the 3rd cycle of the United States (26.161) lost
    # "Venezuela" off the start of a joint entry. See TRUNCATED_ALIASES.
    "Bolivarian Republic of": "Venezuela (Bolivarian Republic of)",
}

# Aliases that are a cut-off name rather than a real variant; the importer says so.
TRUNCATED_ALIASES: frozenset[str] = frozenset({"Bolivarian Republic of"})

_APOSTROPHES = re.compile(r"\s*['’‘`´]\s*")


def tidy_name(name: str) -> str:
    """Collapse spaces and close up spaced apostrophes, which PDF copies produce:
    "Democratic People ’ s Republic of Korea" -> "Democratic People’s Republic of Korea"."""
    return " ".join(_APOSTROPHES.sub("’", name).split())


def _key(name: str) -> str:
    """The matching key: tidied, apostrophes unified, "&" as "and", accents removed,
    casefolded, without a leading "the"."""
    value = tidy_name(name).replace("&", " and ")
    value = unicodedata.normalize("NFKD", value)
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    value = " ".join(value.casefold().split())
    return value.removeprefix("the ")


_LOOKUP: dict[str, str] = {_key(name): name for name in KNOWN_STATES}
_LOOKUP.update({_key(alias): canonical for alias, canonical in ALIASES.items()})
_TRUNCATED_KEYS: frozenset[str] = frozenset(_key(alias) for alias in TRUNCATED_ALIASES)


def canonical_state(name: str) -> str | None:
    """The canonical name of a known state, observer, group or alias; None otherwise."""
    return _LOOKUP.get(_key(name))


def is_truncated_alias(name: str) -> bool:
    """True when `name` is a known cut-off form of a state name ("Bolivarian Republic of")."""
    return _key(name) in _TRUNCATED_KEYS
