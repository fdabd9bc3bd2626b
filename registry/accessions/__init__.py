"""Accession: organisations and individuals accede to the Principles, sign, confirm by
e-mail, are reviewed, and enter the public register."""
