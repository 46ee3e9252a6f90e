"""Role groups of respondents: who answers, in which part of the chain (care or criminal law)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RoleGroup:
    id: str
    nl: str
    en: str
    side: str  # "municipality", "care", "justice" or "other": the sides whose answers may differ

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.nl


ROLE_GROUPS: tuple[RoleGroup, ...] = (
    RoleGroup("municipality-security", "Gemeente: beleid, openbare orde en veiligheid",
              "Municipality: policy, public order and safety", "municipality"),
    RoleGroup("municipality-social", "Gemeente: sociaal domein en wijkteam",
              "Municipality: social domain and neighbourhood team", "municipality"),
    RoleGroup("municipality-education", "Gemeente: leerplicht", "Municipality: compulsory education",
              "municipality"),
    RoleGroup("police", "Politie", "Police", "justice"),
    RoleGroup("prosecutor", "Openbaar Ministerie", "Public prosecutor", "justice"),
    RoleGroup("child-protection", "Raad voor de Kinderbescherming", "Child protection board",
              "care"),
    RoleGroup("veilig-thuis", "Veilig Thuis", "Veilig Thuis (domestic violence and child abuse)",
              "care"),
    RoleGroup("salvation-army", "Leger des Heils: jeugdbescherming en reclassering",
              "Salvation Army: youth protection and probation", "care"),
    RoleGroup("education", "Onderwijs (school)", "Education (school)", "care"),
    RoleGroup("housing", "Woningcorporatie", "Housing corporation", "care"),
    RoleGroup("other", "Anders", "Other", "other"),
)

SIDE_LABELS = {
    "municipality": ("Gemeente", "Municipality"),
    "care": ("Zorgkant", "Care side"),
    "justice": ("Strafkant", "Criminal-law side"),
    "other": ("Anders", "Other"),
}

BY_ID = {r.id: r for r in ROLE_GROUPS}


def role_group(role_id: str) -> RoleGroup | None:
    return BY_ID.get(role_id)
