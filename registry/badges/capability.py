from datetime import datetime, timedelta

from registry.badges import services
from registry.badges.cli import keys_group, verify_command
from registry.badges.controllers import (
    VerifyApi,
    VerifyPages,
    badge_image,
    jwks,
    retired_keys,
    status_list,
)
from registry.capability import Capability, Job
from registry.facts import services as facts
from registry.facts.kinds import AccessionFact, VersionInForce
from registry.settings import Settings


async def _status_lists(settings: Settings, now: datetime) -> None:
    await services.keep_status_lists_fresh(settings)  # signed anew every six hours


async def _credentials(settings: Settings, now: datetime) -> None:
    await services.renew_expiring(settings, now)


def _install() -> None:
    facts.subscribe(AccessionFact, services.follow)
    facts.subscribe(VersionInForce, services.follow_version)


CAPABILITY = Capability(
    name="badges",
    routes=[jwks, retired_keys, badge_image, status_list, VerifyApi, VerifyPages],
    commands=[keys_group, verify_command],
    jobs=lambda settings: [Job("badges:status_lists", timedelta(hours=1), _status_lists),
                           Job("badges:credentials", timedelta(days=1), _credentials)],
    install=_install,
)
