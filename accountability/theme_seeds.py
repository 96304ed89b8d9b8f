"""Default mapping from each source's theme vocabulary to the portal's local themes.

UPR sources tag recommendations with their own themes: UPR Info "Issues" (cycle 1 file)
and the UN's UHRI themes (cycle 3 file). Cities work on the portal's national theme list
(cities/migrations/0004_seed_themes.py), so each source theme is mapped to the portal
themes a local group would look under. These are seeds: coordinators can change them.

A source theme mapped to [] has, on purpose, no local counterpart: it is about the UPR
mechanism itself, treaty ratification, international cooperation or foreign policy
(sanctions, development aid, humanitarian law abroad). The portal lists these themes as
unmapped so a coordinator decides, rather than a guess filing them under a local theme.

Every theme found in the two files in accountability/data is covered (a test checks).
"""

from __future__ import annotations

from accountability.upr_import import FORMAT_UHRI_LIST, FORMAT_UPR_INFO

# The portal's theme slugs (cities.Theme), the only values allowed below.
PORTAL_THEME_SLUGS: frozenset[str] = frozenset(
    {
        "housing",
        "education",
        "work",
        "policing",
        "immigration",
        "health",
        "water-environment",
        "voting",
        "reproductive-justice",
        "racial-discrimination",
        "gender-equality",
        "lgbtq",
        "disability",
        "children",
        "indigenous",
        "poverty",
        "expression-assembly",
        "land-displacement",
    }
)

_UPR_INFO: dict[str, list[str]] = {
    # Criminal justice, detention and abuses by officials: the policing theme. Detention
    # also covers immigration detention, which several recommendations are about.
    "Counter-terrorism": ["policing"],
    "Death penalty": ["policing"],
    "Detention": ["policing", "immigration"],
    "Enforced disappearances": ["policing"],
    "Extrajudicial executions": ["policing"],
    "Human rights violations by state agents": ["policing"],
    "Justice": ["policing"],
    "Public security": ["policing"],
    "Torture and other CID treatment": ["policing"],
    # Rights with a direct local theme.
    "Disabilities": ["disability"],
    "Elections": ["voting"],
    "Environment": ["water-environment"],
    "Indigenous peoples": ["indigenous", "land-displacement"],  # UNDRIP: lands, territories
    "Labour": ["work"],
    "Migrants": ["immigration"],
    "Minorities": ["racial-discrimination"],  # racial, ethnic and migrant minorities
    "Racial discrimination": ["racial-discrimination"],
    "Right to education": ["education"],
    "Right to health": ["health"],
    "Right to housing": ["housing"],
    "Rights of the Child": ["children"],
    "Sexual Orientation and Gender Identity": ["lgbtq"],
    "Women's rights": ["gender-equality"],
    "Human rights education and training": ["education"],
    # Freedoms of expression, press, association and assembly; association also covers
    # workers' right to organise (ILO conventions 87 and 98).
    "Civil society": ["expression-assembly"],
    "Freedom of association and peaceful assembly": ["expression-assembly", "work"],
    "Freedom of opinion and expression": ["expression-assembly"],
    "Freedom of the press": ["expression-assembly"],
    # Economic and social rights in general: poverty and social security.
    "ESC rights - general": ["poverty"],
    "Right to food": ["poverty"],
    # Labour exploitation and migrants are where US cities meet trafficking.
    "Trafficking": ["work", "immigration"],
    # No local theme: the portal has none for religion (discrimination against religious
    # minorities is usually also tagged "Minorities" or "Racial discrimination").
    "Freedom of religion and belief": [],
    # No local counterpart: treaties, UN mechanisms, national institutions and foreign
    # policy. Coordinators decide.
    "CP rights - general": [],  # reservations to the ICCPR, individual complaints
    "Development": [],
    "General": [],
    "International humanitarian law": [],
    "International instruments": [],
    "NHRI": [],
    "National plan of action": [],
    "Other": [],
    "Special procedures": [],
    "Technical assistance and cooperation": [],
    "Treaty bodies": [],
    "UPR process": [],
}

_UHRI_LIST: dict[str, list[str]] = {
    # Criminal justice and abuses by officials. Right to life and physical integrity are,
    # for the United States, gun violence and killings by police.
    "Administration of justice & fair trial": ["policing"],
    "Arbitrary arrest & detention": ["policing"],
    "Death penalty": ["policing"],
    "Human rights & counter-terrorism": ["policing"],
    "Prohibition of torture & ill-treatment (including cruel, inhuman or degrading treatment)": [
        "policing"
    ],
    "Right to life": ["policing"],
    "Right to physical & moral integrity": ["policing"],
    # Rights with a direct local theme.
    "Children: definition": ["children"],
    "Indigenous peoples": ["indigenous", "land-displacement"],  # consultation on territories
    "Labour rights and right to work": ["work"],
    "Migrants": ["immigration"],
    "Racial discrimination": ["racial-discrimination"],
    "Right to adequate housing": ["housing"],
    "Right to education": ["education"],
    "Right to health": ["health"],
    "Right to participate in public affairs & right to vote": ["voting"],
    "Human rights & climate change": ["water-environment"],
    "Human rights & toxics / hazardous wastes": ["water-environment", "health"],
    "Human rights & poverty": ["poverty"],
    # Housing, sanitation and income together.
    "Right to an adequate standard of living": ["poverty", "housing", "water-environment"],
    "Sexual & reproductive health and rights": ["reproductive-justice", "health"],
    # Women: equality at work (pay, maternity leave) is most of "Discrimination against women".
    "Advancement of women": ["gender-equality"],
    "Discrimination against women": ["gender-equality", "work"],
    "Violence against women": ["gender-equality"],
    # UHRI files all grounds of discrimination here, including the only recommendations
    # on sexual orientation and gender identity in the 3rd cycle.
    "Equality & non-discrimination": ["racial-discrimination", "gender-equality", "lgbtq"],
    # Most of these recommendations are about training police and officials.
    "Human rights education, trainings & awareness raising": ["education", "policing"],
    "Freedom of opinion and expression & access to information": ["expression-assembly"],
    "Human rights defenders": ["expression-assembly"],
    "Right to peaceful assembly": ["expression-assembly"],
    "Human trafficking & contemporary forms of slavery": ["work", "immigration"],
    # The 3rd-cycle recommendations here are about arms exports and companies abroad.
    "Business & Human Rights": [],
    # No local theme for religion (see the UPR Info mapping).
    "Freedom of thought, conscience & religion": [],
    # No local counterpart: treaties, UN mechanisms, national institutions, law reform in
    # general and foreign policy. Coordinators decide.
    "Constitutional & legislative framework": [],
    "Cooperation & Follow up with Special Procedures": [],
    "Cooperation & follow up with the Universal Periodic Review (UPR)": [],
    "Cooperation with human rights mechanisms & requests for technical assistance": [],
    "Inter-State cooperation and assistance": [],
    "International criminal & humanitarian law (including crimes against humanity, war crimes, genocide)": [],
    "Legal & institutional reform": [],
    "National Human Rights Institution (NHRI)": [],
    "National Mechanisms for Reporting & Follow-up (NMRF)": [],
    "Ratification of & accession to international instruments": [],
    "Unilateral coercive measures": [],
}

SEED_MAPPINGS: dict[str, dict[str, list[str]]] = {
    FORMAT_UPR_INFO: _UPR_INFO,
    FORMAT_UHRI_LIST: _UHRI_LIST,
}
