"""Who is responsible, from the law: hand-written cases across ten counties and five dates.

Each expectation was written from the statute (and, in Uppsala län, the ViS strategy's
"Ansvarsfördelning enligt lagstiftning", which the answer must also cite), never from the
resolver's output. A case names the party or parties, as they were named on the date, and the
sections each rests on; `why` says which sections of which law the expectation follows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hsvo_graph import projection
from hsvo_graph.responsibility import Resolver
from hsvo_graph.store import open_read_only

HSL82, HSL17 = "SFS 1982:763", "SFS 2017:30"
SOL80, SOL01, SOL25 = "SFS 1980:620", "SFS 2001:453", "SFS 2025:400"
LSS, LASS, SFB = "SFS 1993:387", "SFS 1993:389", "SFS 2010:110"
TANDL, LVU, LVM = "SFS 1985:125", "SFS 1990:52", "SFS 1988:870"
SKOL85, SKOL10 = "SFS 1985:1100", "SFS 2010:800"

# Uppsala län: what the ViS strategy (2021) cites beside the sections of the law.
VIS_HSL17 = "Hälso- och sjukvårdslag (2017:30)"
VIS_SOL01 = "Socialtjänstlag (2001:453)"
VIS_TANDL = "Tandvårdslag (1985:125)"
VIS_SKOL10 = "Skollag (2010:800)"
HSL82_LAW = "Hälso- och sjukvårdslag (1982:763)"


def s(law: str, *sections: str) -> list[str]:
    return [f"{law} {section}" for section in sections]


LAEKARE_UNDANTAG = (
    "HSL 1982:763 18 § (kommunens vård i särskilda boendeformer och rätten att ta över "
    "hemsjukvård, ädelreformen 1992) omfattar inte läkarinsatser; de stannar i landstingets "
    "ansvar enligt 3 §."
)
ADEL_2017 = (
    "HSL 2017:30 14 kap. 1 §: regionen får överlåta hemsjukvården till kommunen, dock inte vård "
    "som ges av läkare; 16 kap. 1 § ger regionen läkarinsatserna."
)
HEMSJUKVARD_REGION_82 = (
    "HSL 1982:763 3 §: landstinget svarar för hälso- och sjukvården åt dem som bor i "
    "landstinget, utom det kommunen ansvarar för; ingen överlåtelse är registrerad i länet."
)
HEMSJUKVARD_REGION_17 = (
    "HSL 2017:30 8 kap. 1 och 6 §§: regionen svarar för hälso- och sjukvården utom det kommunen "
    "ansvarar för enligt 12 kap. 1 § eller 14 kap. 1 §; ingen överlåtelse är registrerad i länet."
)
TANDVARD = "Tandvårdslagen (1985:125) 5 §: landstinget (regionen) ska erbjuda god tandvård."

CASES = [
    # -- Uppsala län: the ädel agreement moves hemsjukvård to each kommun, doctors excepted
    (
        "hemsjukvård",
        "Östhammar",
        "1995-06-01",
        {"Östhammars kommun": s(HSL82, "18 §"), "Landstinget i Uppsala län": s(HSL82, "3 §")},
        LAEKARE_UNDANTAG,
    ),
    (
        "hemsjukvård",
        "Östhammar",
        "2010-06-01",
        {"Östhammars kommun": s(HSL82, "18 §"), "Landstinget i Uppsala län": s(HSL82, "3 §")},
        LAEKARE_UNDANTAG,
    ),
    (
        "hemsjukvård",
        "Östhammar",
        "2016-06-01",
        {"Östhammars kommun": s(HSL82, "18 §"), "Landstinget i Uppsala län": s(HSL82, "3 §")},
        LAEKARE_UNDANTAG + " Landstinget blev Region Uppsala 2017-01-01.",
    ),
    (
        "hemsjukvård",
        "Östhammar",
        "2024-06-01",
        {
            "Östhammars kommun": s(HSL17, "14 kap. 1 §"),
            "Region Uppsala": s(HSL17, "14 kap. 1 §", "16 kap. 1 §"),
        },
        ADEL_2017,
    ),
    (
        "hemsjukvård",
        "Östhammar",
        "2025-09-01",
        {
            "Östhammars kommun": s(HSL17, "14 kap. 1 §"),
            "Region Uppsala": s(HSL17, "14 kap. 1 §", "16 kap. 1 §"),
        },
        ADEL_2017,
    ),
    (
        "hemsjukvård",
        "Knivsta",
        "1995-06-01",
        {"Uppsala kommun": s(HSL82, "18 §"), "Landstinget i Uppsala län": s(HSL82, "3 §")},
        "Knivsta kommun bildades 2003-01-01 ur Uppsala kommun; " + LAEKARE_UNDANTAG,
    ),
    (
        "hemsjukvård",
        "Knivsta",
        "2010-06-01",
        {"Knivsta kommun": s(HSL82, "18 §"), "Landstinget i Uppsala län": s(HSL82, "3 §")},
        LAEKARE_UNDANTAG,
    ),
    (
        "hemsjukvård",
        "Heby",
        "1995-06-01",
        {"Landstinget Västmanland": s(HSL82, "3 §")},
        "Heby hörde till Västmanlands län och landsting till 2006; " + HEMSJUKVARD_REGION_82,
    ),
    (
        "hemsjukvård",
        "Heby",
        "2010-06-01",
        {"Heby kommun": s(HSL82, "18 §"), "Landstinget i Uppsala län": s(HSL82, "3 §")},
        "Heby i Uppsala län från 2007-01-01; " + LAEKARE_UNDANTAG,
    ),
    (
        "läkarinsatser",
        "Tierp",
        "2024-06-01",
        {"Region Uppsala": s(HSL17, "12 kap. 1 §", "12 kap. 3 §", "16 kap. 1 §")},
        "HSL 2017:30 12 kap. 3 § och 16 kap. 1 §; ViS-strategin anger 12 kap. 1 § och 16 kap. 1 §.",
    ),
    (
        "hälso- och sjukvård i särskilt boende",
        "Tierp",
        "2016-06-01",
        {"Tierps kommun": s(HSL82, "18 §"), "Landstinget i Uppsala län": s(HSL82, "3 §")},
        LAEKARE_UNDANTAG,
    ),
    (
        "hälso- och sjukvård i särskilt boende",
        "Tierp",
        "2024-06-01",
        {
            "Tierps kommun": s(HSL17, "12 kap. 1 §", "12 kap. 2 §", "12 kap. 3 §"),
            "Region Uppsala": s(HSL17, "12 kap. 3 §", "16 kap. 1 §"),
        },
        "HSL 2017:30 12 kap. 1 och 3 §§ (kommunen, utom läkare), 16 kap. 1 § (regionens läkare); "
        "ViS-strategin anger 12 kap. 1 och 2 §§.",
    ),
    (
        "tandvård",
        "Tierp",
        "1995-06-01",
        {"Landstinget i Uppsala län": [*s(TANDL, "5 §"), VIS_TANDL]},
        TANDVARD,
    ),
    (
        "tandvård",
        "Tierp",
        "2024-06-01",
        {"Region Uppsala": [*s(TANDL, "5 §"), VIS_TANDL]},
        TANDVARD,
    ),
    (
        "försörjningsstöd",
        "Uppsala",
        "1995-06-01",
        {"Uppsala kommun": s(SOL80, "2 §", "3 §")},
        "SoL 1980:620 2 § (kommunen svarar för socialtjänsten) och 3 § (yttersta ansvaret); "
        "biståndsparagrafen (6 §) är inte läst, så svaret gäller socialtjänsten.",
    ),
    (
        "försörjningsstöd",
        "Uppsala",
        "2010-06-01",
        {"Uppsala kommun": [*s(SOL01, "4 kap. 1 §"), VIS_SOL01]},
        "SoL 2001:453 4 kap. 1 §: rätt till bistånd av socialnämnden för försörjningen.",
    ),
    (
        "försörjningsstöd",
        "Uppsala",
        "2025-09-01",
        {"Uppsala kommun": s(SOL25, "12 kap. 1 §")},
        "SoL 2025:400 12 kap. 1 § från 2025-07-01.",
    ),
    (
        "elevhälsa",
        "Östhammar",
        "2010-06-01",
        {"huvudman för skolan": s(SKOL85, "14 kap. 1 §")},
        "Skollagen (1985:1100) 14 kap. gällde utbildning till 2011-06-30 (SFS 2010:801).",
    ),
    (
        "elevhälsa",
        "Östhammar",
        "2024-06-01",
        {"huvudman för skolan": [*s(SKOL10, "2 kap. 8 §", "2 kap. 25 §"), VIS_SKOL10]},
        "Skollagen (2010:800) 2 kap. 25 § och 8 §, tillämpad från 2011-07-01.",
    ),
    (
        "överenskommelser om samverkan",
        "Tierp",
        "2024-06-01",
        {
            "Tierps kommun": s(SOL01, "5 kap.", "5 kap. 1 d §", "5 kap. 8 a §", "5 kap. 9 a §"),
            "Region Uppsala": s(HSL17, "16 kap.", "16 kap. 3 §"),
        },
        "SoL 2001:453 5 kap. 1 d, 8 a, 9 a §§ (kommunen), HSL 2017:30 16 kap. 3 § (regionen).",
    ),
    (
        "överenskommelser om samverkan",
        "Tierp",
        "2025-09-01",
        {
            "Tierps kommun": s(SOL25, "7 kap. 2 §"),
            "Region Uppsala": s(HSL17, "16 kap.", "16 kap. 3 §"),
        },
        "SoL 2025:400 7 kap. 2 § ersätter 5 kap. 1 d, 8 a och 9 a §§ från 2025-07-01.",
    ),
    (
        "primärvård",
        "Uppsala",
        "2024-06-01",
        {
            "Region Uppsala": [VIS_HSL17, *s(HSL17, "7 kap. 3 §", "8 kap. 1 §")],
            "Uppsala kommun": s(HSL17, "12 kap. 1 §", "12 kap. 2 §", "14 kap. 1 §"),
        },
        "HSL 2017:30 7 kap. 3 § (regionen organiserar primärvården); ViS-strategin: kommunernas "
        "hälso- och sjukvård är på primärvårdsnivå.",
    ),
    # -- Stockholms län: no transfer; basal hemsjukvård with the region (riktlinje 7.1.2)
    (
        "hemsjukvård",
        "Nacka",
        "2024-06-01",
        {"Region Stockholm": s(HSL17, "8 kap. 1 §", "8 kap. 6 §")},
        HEMSJUKVARD_REGION_17 + " Riktlinjen 7.1.2 säger därtill att regionens "
        "husläkarverksamhet ger basal hemsjukvård.",
    ),
    (
        "hemsjukvård",
        "Nacka",
        "2016-06-01",
        {"Stockholms läns landsting": s(HSL82, "3 §")},
        HEMSJUKVARD_REGION_82,
    ),
    (
        "hemsjukvård",
        "Norrtälje",
        "2025-09-01",
        {"Region Stockholm": s(HSL17, "8 kap. 1 §", "8 kap. 6 §")},
        HEMSJUKVARD_REGION_17,
    ),
    (
        "läkarinsatser",
        "Nacka",
        "2024-06-01",
        {"Region Stockholm": s(HSL17, "12 kap. 3 §", "16 kap. 1 §")},
        "HSL 2017:30 12 kap. 3 §: kommunens ansvar omfattar inte läkare; 16 kap. 1 §.",
    ),
    ("tandvård", "Solna", "2024-06-01", {"Region Stockholm": s(TANDL, "5 §")}, TANDVARD),
    ("tandvård", "Solna", "2010-06-01", {"Stockholms läns landsting": s(TANDL, "5 §")}, TANDVARD),
    (
        "försörjningsstöd",
        "Solna",
        "2024-06-01",
        {"Solna stad": s(SOL01, "4 kap. 1 §")},
        "SoL 2001:453 4 kap. 1 §.",
    ),
    (
        "försörjningsstöd",
        "Solna",
        "2025-09-01",
        {"Solna stad": s(SOL25, "12 kap. 1 §")},
        "SoL 2025:400 12 kap. 1 §.",
    ),
    (
        "hälso- och sjukvård i särskilt boende",
        "Nacka",
        "2024-06-01",
        {
            "Nacka kommun": s(HSL17, "12 kap. 1 §", "12 kap. 3 §"),
            "Region Stockholm": s(HSL17, "12 kap. 3 §", "16 kap. 1 §"),
        },
        "HSL 2017:30 12 kap. 1 och 3 §§, 16 kap. 1 §.",
    ),
    (
        "särskilt boende för äldre",
        "Norrtälje",
        "1995-06-01",
        {"Norrtälje kommun": s(SOL80, "20 §")},
        "SoL 1980:620 20 § andra stycket (SFS 1990:1403): kommunen ska inrätta särskilda "
        "boendeformer för äldre.",
    ),
    (
        "personlig assistans",
        "Solna",
        "2024-06-01",
        {
            "Solna stad": s(LSS, "2 §", "9 §"),
            "Försäkringskassan": s(SFB, "1 kap. 2 §", "51 kap. 2 §"),
        },
        "LSS 2 § och 9 § 2 (kommunen); assistansersättning enligt SFB 51 kap. (Försäkringskassan).",
    ),
    (
        "personlig assistans",
        "Solna",
        "2010-06-01",
        {"Solna stad": s(LSS, "2 §", "9 §"), "Försäkringskassan": s(LASS, "2 §")},
        "LSS 2 § och 9 § 2; lagen (1993:389) om assistansersättning till 2010.",
    ),
    # -- Västra Götaland: no local agreement recorded; Älvsborg and Göteborg before 1999
    (
        "försörjningsstöd",
        "Borås",
        "2024-06-01",
        {"Borås Stad": s(SOL01, "4 kap. 1 §")},
        "SoL 2001:453 4 kap. 1 §.",
    ),
    (
        "hemsjukvård",
        "Borås",
        "1995-06-01",
        {"Älvsborgs läns landsting": s(HSL82, "3 §")},
        "Borås låg i Älvsborgs län till 1997; " + HEMSJUKVARD_REGION_82,
    ),
    (
        "hemsjukvård",
        "Borås",
        "2010-06-01",
        {"Västra Götalandsregionen": s(HSL82, "3 §")},
        HEMSJUKVARD_REGION_82,
    ),
    (
        "hemsjukvård",
        "Borås",
        "2024-06-01",
        {"Västra Götalandsregionen": s(HSL17, "8 kap. 1 §", "8 kap. 6 §")},
        HEMSJUKVARD_REGION_17,
    ),
    (
        "hälso- och sjukvård",
        "Göteborg",
        "1995-06-01",
        {"Göteborgs stad": s(HSL82, "3 §")},
        "Göteborg stod utanför landstinget till 1998 och bar själv landstingets uppgifter (3 §).",
    ),
    (
        "tandvård",
        "Göteborg",
        "1995-06-01",
        {"Göteborgs stad": s(TANDL, "5 §")},
        "Tandvårdslagen 5 §: det som sägs om landsting gäller kommuner utanför landsting.",
    ),
    ("tandvård", "Göteborg", "2010-06-01", {"Västra Götalandsregionen": s(TANDL, "5 §")}, TANDVARD),
    (
        "hemsjukvård",
        "Bollebygd",
        "1994-06-01",
        {"Älvsborgs läns landsting": s(HSL82, "3 §")},
        "Bollebygd bildades 1995-01-01 ur Borås; " + HEMSJUKVARD_REGION_82,
    ),
    (
        "rådgivning och annat personligt stöd",
        "Borås",
        "1995-06-01",
        {"Älvsborgs läns landsting": s(LSS, "2 §", "9 §")},
        "LSS 2 § och 9 § 1: landstinget.",
    ),
    (
        "äldreomsorg",
        "Borås",
        "2016-06-01",
        {"Borås Stad": s(SOL01, "5 kap. 5 §")},
        "SoL 2001:453 5 kap. 5 §.",
    ),
    # -- Skåne: Kristianstads and Malmöhus läns landsting, Malmö outside, until 1998
    (
        "hemsjukvård",
        "Lund",
        "1995-06-01",
        {"Malmöhus läns landsting": s(HSL82, "3 §")},
        "Lund låg i Malmöhus län; " + HEMSJUKVARD_REGION_82,
    ),
    (
        "hemsjukvård",
        "Kristianstad",
        "1995-06-01",
        {"Kristianstads läns landsting": s(HSL82, "3 §")},
        "Kristianstad låg i Kristianstads län; " + HEMSJUKVARD_REGION_82,
    ),
    (
        "hemsjukvård",
        "Malmö",
        "1995-06-01",
        {"Malmö stad": s(HSL82, "3 §")},
        "Malmö stod utanför landstinget till 1998; " + HEMSJUKVARD_REGION_82,
    ),
    ("hemsjukvård", "Lund", "2010-06-01", {"Region Skåne": s(HSL82, "3 §")}, HEMSJUKVARD_REGION_82),
    ("tandvård", "Malmö", "2024-06-01", {"Region Skåne": s(TANDL, "5 §")}, TANDVARD),
    (
        "försörjningsstöd",
        "Malmö",
        "2025-09-01",
        {"Malmö stad": s(SOL25, "12 kap. 1 §")},
        "SoL 2025:400 12 kap. 1 §.",
    ),
    (
        "vård av missbrukare",
        "Lund",
        "2016-06-01",
        {
            "Lunds kommun": s(LVM, "7 §", "11 §"),
            "Statens institutionsstyrelse": [*s(LVM, "22 §"), *s(SOL01, "6 kap. 3 §")],
        },
        "LVM 7 och 11 §§ (socialnämnden utreder och ansöker); SoL 2001:453 6 kap. 3 § och LVM 22 § "
        "(staten, SiS, för LVM-hemmen).",
    ),
    (
        "vård av unga",
        "Kristianstad",
        "2024-06-01",
        {
            "Kristianstads kommun": s(LVU, "4 §"),
            "Statens institutionsstyrelse": [*s(LVU, "12 §"), *s(SOL01, "6 kap. 3 §")],
        },
        "LVU 4 § (socialnämnden ansöker); LVU 12 § och SoL 2001:453 6 kap. 3 § (särskilda "
        "ungdomshem, staten).",
    ),
    (
        "vård av unga",
        "Kristianstad",
        "2025-09-01",
        {
            "Kristianstads kommun": s(LVU, "4 §"),
            "Statens institutionsstyrelse": [
                *s(LVU, "12 §"),
                *s(SOL25, "9 kap. 8 §", "9 kap. 9 §"),
            ],
        },
        "LVU 4 §; SoL 2025:400 9 kap. 8 och 9 §§ och LVU 12 §.",
    ),
    # -- Norrbotten
    (
        "stöd till brottsoffer",
        "Kiruna",
        "2024-06-01",
        {"Kiruna kommun": s(SOL01, "5 kap. 11 §")},
        "SoL 2001:453 5 kap. 11 §.",
    ),
    (
        "stöd till brottsoffer",
        "Kiruna",
        "2025-09-01",
        {"Kiruna kommun": s(SOL25, "13 kap. 1 §")},
        "SoL 2025:400 13 kap. 1 §.",
    ),
    (
        "anhörigstöd",
        "Kiruna",
        "2010-06-01",
        {"Kiruna kommun": s(SOL01, "5 kap. 10 §")},
        "SoL 2001:453 5 kap. 10 §.",
    ),
    (
        "anhörigstöd",
        "Kiruna",
        "1995-06-01",
        {"Kiruna kommun": s(SOL80, "2 §", "3 §")},
        "SoL 1980:620: anhörigbestämmelsen är inte läst; kommunen svarar för socialtjänsten (2 §).",
    ),
    (
        "hemsjukvård",
        "Kiruna",
        "2016-06-01",
        {"Norrbottens läns landsting": s(HSL82, "3 §")},
        HEMSJUKVARD_REGION_82,
    ),
    (
        "hemsjukvård",
        "Kiruna",
        "2024-06-01",
        {"Region Norrbotten": s(HSL17, "8 kap. 1 §", "8 kap. 6 §")},
        HEMSJUKVARD_REGION_17,
    ),
    (
        "utskrivningsklara",
        "Kiruna",
        "2010-06-01",
        {"Kiruna kommun": s("SFS 1990:1404", "1 §")},
        "Lag (1990:1404) 1 §.",
    ),
    (
        "utskrivningsklara",
        "Kiruna",
        "2024-06-01",
        {"Kiruna kommun": s("SFS 2017:612", "5 kap. 1 §")},
        "Lag (2017:612) 5 kap. 1 §.",
    ),
    # -- Gotland: the kommun carries the region's duties
    (
        "hemsjukvård",
        "Gotland",
        "2005-06-01",
        {"Gotlands kommun": s(HSL82, "3 §")},
        "Gotlands kommun ingår inte i något landsting och bär landstingets ansvar (HSL 1982:763).",
    ),
    (
        "hälso- och sjukvård",
        "Gotland",
        "2024-06-01",
        {"Region Gotland": s(HSL17, "8 kap. 1 §", "8 kap. 6 §")},
        "HSL 2017:30 8 kap. 1 §; kommunen utanför region bär både regionens och kommunens ansvar.",
    ),
    (
        "tandvård",
        "Gotland",
        "2016-06-01",
        {"Region Gotland": s(TANDL, "5 §")},
        "Tandvårdslagen 5 §: gäller också kommuner som inte ingår i ett landsting.",
    ),
    (
        "rådgivning och annat personligt stöd",
        "Gotland",
        "2024-06-01",
        {"Region Gotland": s(LSS, "2 §", "9 §")},
        "LSS 2 § och 3 § (kommun utanför region), 9 § 1.",
    ),
    # -- Västmanland
    (
        "hemsjukvård",
        "Västerås",
        "2016-06-01",
        {"Landstinget Västmanland": s(HSL82, "3 §")},
        HEMSJUKVARD_REGION_82,
    ),
    (
        "hemsjukvård",
        "Västerås",
        "2024-06-01",
        {"Region Västmanland": s(HSL17, "8 kap. 1 §", "8 kap. 6 §")},
        HEMSJUKVARD_REGION_17,
    ),
    (
        "hjälpmedel",
        "Västerås",
        "2024-06-01",
        {"Region Västmanland": s(HSL17, "8 kap. 7 §"), "Västerås stad": s(HSL17, "12 kap. 5 §")},
        "HSL 2017:30 8 kap. 7 § (regionen) och 12 kap. 5 § (kommunen i sin hälso- och sjukvård).",
    ),
    (
        "hjälpmedel",
        "Västerås",
        "2010-06-01",
        {"Landstinget Västmanland": s(HSL82, "3 b §"), "Västerås stad": s(HSL82, "18 b §")},
        "HSL 1982:763 3 b och 18 b §§.",
    ),
    (
        "habilitering och rehabilitering",
        "Västerås",
        "2024-06-01",
        {"Region Västmanland": s(HSL17, "8 kap. 7 §"), "Västerås stad": s(HSL17, "12 kap. 5 §")},
        "HSL 2017:30 8 kap. 7 § och 12 kap. 5 §.",
    ),
    # -- Jönköpings län: Habo and Mullsjö came from Skaraborg
    (
        "hemsjukvård",
        "Habo",
        "1995-06-01",
        {"Skaraborgs läns landsting": s(HSL82, "3 §")},
        "Habo låg i Skaraborgs län; " + HEMSJUKVARD_REGION_82,
    ),
    (
        "hemsjukvård",
        "Habo",
        "1998-06-01",
        {"Skaraborgs läns landsting": s(HSL82, "3 §")},
        "Habo bytte län 1998 men landsting först 1999-01-01.",
    ),
    (
        "hemsjukvård",
        "Habo",
        "2010-06-01",
        {"Landstinget i Jönköpings län": s(HSL82, "3 §")},
        HEMSJUKVARD_REGION_82,
    ),
    (
        "hemsjukvård",
        "Jönköping",
        "2016-06-01",
        {"Region Jönköpings län": s(HSL82, "3 §")},
        HEMSJUKVARD_REGION_82,
    ),
    (
        "uppsökande tandvård",
        "Jönköping",
        "2024-06-01",
        {"Region Jönköpings län": s(TANDL, "8 a §")},
        "Tandvårdslagen 8 a §.",
    ),
    (
        "uppsökande tandvård",
        "Jönköping",
        "1995-06-01",
        {"Landstinget i Jönköpings län": s(TANDL, "5 §")},
        "8 a § är läst från 2004; före dess gäller tandvården allmänt (5 §).",
    ),
    (
        "tandvård för barn och unga",
        "Jönköping",
        "2024-06-01",
        {"Region Jönköpings län": s(TANDL, "7 §")},
        "Tandvårdslagen 7 §.",
    ),
    # -- Dalarna: SIP and the mandated agreements, both principals
    (
        "samordnad individuell plan",
        "Falun",
        "2010-06-01",
        {"Landstinget Dalarna": [HSL82_LAW], "Falu kommun": s(SOL01, "2 kap. 7 §")},
        "SoL 2001:453 2 kap. 7 § och HSL 1982:763 från 2010-01-01 (prop. 2008/09:193).",
    ),
    (
        "samordnad individuell plan",
        "Falun",
        "2024-06-01",
        {"Region Dalarna": s(HSL17, "16 kap. 4 §"), "Falu kommun": s(SOL01, "2 kap. 7 §")},
        "HSL 2017:30 16 kap. 4 §; SoL 2001:453 2 kap. 7 §.",
    ),
    (
        "samordnad individuell plan",
        "Falun",
        "2025-09-01",
        {"Region Dalarna": s(HSL17, "16 kap. 4 §"), "Falu kommun": s(SOL25, "10 kap. 8 §")},
        "HSL 2017:30 16 kap. 4 §; SoL 2025:400 10 kap. 8 §.",
    ),
    (
        "överenskommelser om samverkan",
        "Falun",
        "2010-06-01",
        {"Landstinget Dalarna": [HSL82_LAW], "Falu kommun": s(SOL01, "5 kap. 8 a §")},
        "SoL 2001:453 5 kap. 8 a § från 2010-01-01 (SFS 2009:981); 9 a § först 2013.",
    ),
    (
        "överenskommelser om samverkan",
        "Falun",
        "2016-06-01",
        {
            "Landstinget Dalarna": [HSL82_LAW],
            "Falu kommun": s(SOL01, "5 kap. 8 a §", "5 kap. 9 a §"),
        },
        "SoL 2001:453 5 kap. 8 a och 9 a §§.",
    ),
    # -- Halland
    (
        "hemtjänst",
        "Halmstad",
        "2010-06-01",
        {"Halmstads kommun": s(SOL01, "3 kap. 6 §", "4 kap. 1 §")},
        "SoL 2001:453 3 kap. 6 §, 4 kap. 1 §.",
    ),
    (
        "hemtjänst",
        "Halmstad",
        "1995-06-01",
        {"Halmstads kommun": s(SOL80, "10 §")},
        "SoL 1980:620 10 § (SFS 1990:1403).",
    ),
    (
        "hemtjänst",
        "Halmstad",
        "2025-09-01",
        {"Halmstads kommun": s(SOL25, "8 kap. 1 §", "8 kap. 3 §")},
        "SoL 2025:400 8 kap. 1 och 3 §§.",
    ),
    (
        "dagverksamhet",
        "Halmstad",
        "2016-06-01",
        {"Halmstads kommun": s(SOL01, "3 kap. 6 §")},
        "SoL 2001:453 3 kap. 6 §.",
    ),
    (
        "hälso- och sjukvård i dagverksamhet",
        "Halmstad",
        "2024-06-01",
        {"Halmstads kommun": s(HSL17, "12 kap. 1 §", "12 kap. 3 §")},
        "HSL 2017:30 12 kap. 1 §.",
    ),
    (
        "hemsjukvård",
        "Halmstad",
        "2010-06-01",
        {"Landstinget Halland": s(HSL82, "3 §")},
        HEMSJUKVARD_REGION_82 + " Region Halland från 2011-01-01.",
    ),
    (
        "elevhälsa",
        "Halmstad",
        "2016-06-01",
        {"huvudman för skolan": s(SKOL10, "2 kap. 8 §", "2 kap. 25 §")},
        "Skollagen (2010:800) 2 kap. 8 och 25 §§.",
    ),
]


@pytest.fixture(scope="module")
def resolver(built_store: Path) -> Resolver:
    return Resolver(projection.from_store(open_read_only(built_store).store))


def test_the_cases_cover_the_counties_and_dates_asked_for():
    years = {date[:4] for _, _, date, _, _ in CASES}
    assert len(CASES) >= 80
    assert {"1995", "2010", "2016", "2024", "2025"} <= years
    assert all(why for *_, why in CASES)


@pytest.mark.parametrize(
    ("task", "municipality", "date", "expected", "why"),
    CASES,
    ids=[f"{t}-{m}-{d}" for t, m, d, _, _ in CASES],
)
def test_who_is_responsible_by_law(resolver, task, municipality, date, expected, why):
    answer = resolver.resolve(task, municipality, date)
    assert answer.status == "known", answer.missing
    got = {p.party.label: sorted(b.label for b in p.legal_basis) for p in answer.parties}
    assert got == {party: sorted(laws) for party, laws in expected.items()}, why


@pytest.mark.parametrize(
    ("task", "municipality", "date", "law"),
    [
        ("personlig assistans", "Halmstad", "1993-06-01", "1994-01-01"),
        ("överenskommelser om samverkan", "Halmstad", "1995-06-01", "2010-01-01"),
    ],
)
def test_before_the_law_there_is_no_answer_and_it_says_from_when(
    resolver, task, municipality, date, law
):
    answer = resolver.resolve(task, municipality, date)
    assert answer.status == "unknown" and answer.parties == []
    assert law in answer.missing["sv"] and law in answer.missing["en"]
