"""Role groups of respondents: who answers, and on which side of the chain they work.

The sides (see docs/scoring.md, "Sides"):

* ``municipality``: the municipality's own departments, including the school attendance officers
  (leerplicht is a municipal task under the Leerplichtwet).
* ``care``: the organisations that protect children and support families: the Raad voor de
  Kinderbescherming (which investigates and advises the court on child protection measures),
  Veilig Thuis (the advice and reporting centre for domestic violence and child abuse) and the
  youth protection work of the Leger des Heils (a certified institution for youth protection).
* ``justice``: the criminal-law side: police, Openbaar Ministerie and probation. The probation work
  of the Leger des Heils is one of the three probation organisations (with Reclassering Nederland
  and the Verslavingsreclassering) that carry out the criminal courts' supervision orders, so it
  belongs here, not on the care side.
* ``other``: partners that are neither: schools and housing associations, and anyone who chose
  "Anders". They see every item of a round, as they may know more than their role suggests.

Until questionnaire v2 the Leger des Heils was one role group on the care side. Respondents who
chose it keep that role (``salvation-army``); it is no longer offered, and it counts on the side
"other" because its answers cannot be split between youth protection and probation.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RoleGroup:
    id: str
    nl: str
    en: str
    side: str  # "municipality", "care", "justice" or "other": the sides whose answers may differ
    offered: bool = True  # False: kept for respondents who chose it, not offered any more

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.nl


SIDES: tuple[str, ...] = ("municipality", "care", "justice", "other")

ALL_GROUPS: tuple[RoleGroup, ...] = (
    RoleGroup("municipality-security", "Gemeente: openbare orde en veiligheid",
              "Municipality: public order and safety", "municipality"),
    RoleGroup("municipality-social", "Gemeente: sociaal domein en wijkteam",
              "Municipality: social domain and neighbourhood team", "municipality"),
    RoleGroup("municipality-education", "Gemeente: leerplicht",
              "Municipality: school attendance", "municipality"),
    RoleGroup("police", "Politie", "Police", "justice"),
    RoleGroup("prosecutor", "Openbaar Ministerie (OM)", "Public Prosecution Service (OM)",
              "justice"),
    RoleGroup("salvation-army-probation", "Leger des Heils: reclassering",
              "Salvation Army: probation", "justice"),
    RoleGroup("child-protection", "Raad voor de Kinderbescherming",
              "Child Care and Protection Board (RvdK)", "care"),
    RoleGroup("veilig-thuis", "Veilig Thuis",
              "Veilig Thuis (advice and reporting centre for domestic violence and child abuse)",
              "care"),
    RoleGroup("salvation-army-youth", "Leger des Heils: jeugdbescherming",
              "Salvation Army: youth protection", "care"),
    RoleGroup("education", "School", "School", "other"),
    RoleGroup("housing", "Woningcorporatie", "Housing association", "other"),
    RoleGroup("salvation-army", "Leger des Heils (jeugdbescherming en reclassering)",
              "Salvation Army (youth protection and probation)", "other", offered=False),
    RoleGroup("other", "Anders", "Other", "other"),
)

ROLE_GROUPS: tuple[RoleGroup, ...] = tuple(r for r in ALL_GROUPS if r.offered)
"""The role groups a new respondent can choose from, in the order the page lists them."""

SIDE_LABELS = {
    "municipality": ("Gemeente", "Municipality"),
    "care": ("Zorgkant", "Care side"),
    "justice": ("Strafkant", "Criminal-law side"),
    "other": ("Overige partners", "Other partners"),
}

BY_ID = {r.id: r for r in ALL_GROUPS}

SEES_EVERYTHING: frozenset[str] = frozenset({"other", "salvation-army"})
"""Role groups that see every item whatever its audience: their expertise is not known."""


def role_group(role_id: str) -> RoleGroup | None:
    """The role group with this id, also one that is no longer offered; None for none."""
    return BY_ID.get(role_id)


def offered_role_group(role_id: str) -> RoleGroup | None:
    """The role group a new respondent may choose; None for an unknown or retired one."""
    group = BY_ID.get(role_id)
    return group if group is not None and group.offered else None


def expand_audience(audience: tuple[str, ...]) -> frozenset[str]:
    """Role-group ids of an item's audience, whose entries are sides or role-group ids."""
    roles: set[str] = set()
    for entry in audience:
        if entry in SIDES:
            roles.update(r.id for r in ALL_GROUPS if r.side == entry)
        elif entry in BY_ID:
            roles.add(entry)
        else:
            raise ValueError(f"unknown audience {entry!r}: a side or a role-group id")
    return frozenset(roles | SEES_EVERYTHING)


def known_audiences() -> tuple[str, ...]:
    """Every value an item's audience may list: the sides, then the role-group ids."""
    return SIDES + tuple(r.id for r in ALL_GROUPS)
