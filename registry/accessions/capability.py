from datetime import timedelta

from registry.accessions import lifecycle, purge
from registry.accessions.cli import accessions, purge_command
from registry.accessions.controllers import AccedePages, AccessionApi
from registry.accessions.register_controllers import RegisterPages, SignatoryApi
from registry.accessions.staff_controllers import AccessionReviewPages, SignatoryPages
from registry.capability import Capability, Job

CAPABILITY = Capability(
    name="accessions",
    routes=[AccedePages, AccessionApi, AccessionReviewPages, SignatoryPages, RegisterPages,
            SignatoryApi],
    commands=[accessions, purge_command],
    # A new version in force: the accessions to older ones superseded, a batch at a time.
    jobs=lambda settings: [Job("accessions:purge", timedelta(days=1), purge.run),
                           Job("accessions:supersession", timedelta(seconds=2),
                               lifecycle.supersede_older)],
    install=lifecycle.install,
)
