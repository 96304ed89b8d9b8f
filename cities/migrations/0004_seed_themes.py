"""Seed the national theme taxonomy with what US human rights cities work on.

The US has ratified the ICCPR, ICERD and CAT (and two optional protocols to the CRC);
instruments it has only signed or endorsed are marked as such so organizers cite them
accurately.
"""

from django.db import migrations

THEMES = [
    ("housing", "Housing and homelessness", "Vivienda y personas sin hogar",
     ["UDHR art. 25", "ICCPR art. 17", "ICERD art. 5(e)(iii)", "ICESCR art. 11 (signed, not ratified)"]),
    ("education", "Education", "Educación",
     ["UDHR art. 26", "ICERD art. 5(e)(v)", "ICESCR arts. 13–14 (signed, not ratified)", "CRC arts. 28–29 (signed, not ratified)"]),
    ("work", "Work and labour", "Trabajo y derechos laborales",
     ["UDHR arts. 23–24", "ICCPR arts. 8, 22", "ICERD art. 5(e)(i)–(ii)", "ICESCR arts. 6–8 (signed, not ratified)", "ILO Declaration on Fundamental Principles and Rights at Work"]),
    ("policing", "Policing and criminal justice", "Policía y justicia penal",
     ["UDHR arts. 3, 5, 9–11", "ICCPR arts. 6, 7, 9, 10, 14", "CAT arts. 1, 2, 11, 16", "ICERD art. 5(a)–(b)", "UN Basic Principles on the Use of Force and Firearms", "Nelson Mandela Rules"]),
    ("immigration", "Immigration and migrants' rights", "Inmigración y derechos de las personas migrantes",
     ["UDHR arts. 13–14", "ICCPR arts. 9, 13, 24", "CAT art. 3", "ICERD art. 5", "1967 Protocol relating to the Status of Refugees"]),
    ("health", "Health", "Salud",
     ["UDHR art. 25", "ICERD art. 5(e)(iv)", "ICESCR art. 12 (signed, not ratified)", "CEDAW art. 12 (signed, not ratified)"]),
    ("water-environment", "Water, sanitation and environment", "Agua, saneamiento y medio ambiente",
     ["UDHR art. 25", "ICCPR art. 6", "ICERD art. 5", "ICESCR arts. 11–12 (signed, not ratified)", "UN General Assembly res. 64/292 (water and sanitation)", "UN General Assembly res. 76/300 (healthy environment)"]),
    ("voting", "Voting rights and democracy", "Derecho al voto y democracia",
     ["UDHR art. 21", "ICCPR art. 25", "ICERD art. 5(c)"]),
    ("reproductive-justice", "Reproductive justice", "Justicia reproductiva",
     ["UDHR art. 25", "ICCPR arts. 6, 7, 17", "ICESCR art. 12 (signed, not ratified)", "CEDAW arts. 12, 16 (signed, not ratified)"]),
    ("racial-discrimination", "Racial discrimination", "Discriminación racial",
     ["UDHR arts. 1, 2, 7", "ICCPR arts. 2, 26", "ICERD arts. 1–7", "Durban Declaration and Programme of Action"]),
    ("gender-equality", "Gender equality", "Igualdad de género",
     ["UDHR art. 2", "ICCPR arts. 3, 26", "CEDAW (signed, not ratified)", "Beijing Declaration and Platform for Action"]),
    ("lgbtq", "LGBTQ+ rights", "Derechos LGBTQ+",
     ["UDHR arts. 1–2", "ICCPR arts. 2, 17, 26", "Yogyakarta Principles"]),
    ("disability", "Disability rights", "Derechos de las personas con discapacidad",
     ["UDHR art. 25", "ICCPR art. 26", "CRPD (signed, not ratified)"]),
    ("children", "Children's rights", "Derechos de la niñez",
     ["UDHR art. 25(2)", "ICCPR art. 24", "CRC (signed, not ratified)", "CRC Optional Protocols on armed conflict and on sale of children (ratified)"]),
    ("indigenous", "Indigenous peoples' rights", "Derechos de los pueblos indígenas",
     ["ICCPR art. 27", "ICERD art. 5", "UN Declaration on the Rights of Indigenous Peoples (endorsed 2010)", "ILO Convention 169 (not ratified)"]),
    ("poverty", "Poverty and social security", "Pobreza y seguridad social",
     ["UDHR arts. 22, 25", "ICERD art. 5(e)(iv)", "ICESCR arts. 9, 11 (signed, not ratified)"]),
    ("expression-assembly", "Freedom of expression and assembly", "Libertad de expresión y de reunión",
     ["UDHR arts. 19–20", "ICCPR arts. 19, 21, 22", "ICERD art. 5(d)(viii)–(ix)"]),
    ("land-displacement", "Land and displacement", "Tierra y desplazamiento",
     ["UDHR arts. 13, 17, 25", "ICCPR art. 17", "ICESCR art. 11 (signed, not ratified)", "UN Guiding Principles on Internal Displacement", "UN Basic Principles and Guidelines on Development-based Evictions"]),
]


def seed(apps, schema_editor):
    Theme = apps.get_model("cities", "Theme")
    for order, (slug, name_en, name_es, instruments) in enumerate(THEMES, start=1):
        Theme.objects.get_or_create(
            slug=slug,
            defaults={
                "name_en": name_en,
                "name_es": name_es,
                "instruments": instruments,
                "sort_order": order * 10,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("cities", "0003_theme")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
