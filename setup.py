"""The packages of the wheel, found rather than listed, so that no module can be left out of what users install.

The code lives in mocktmc/; the contracts and the fixture worlds live at the top of the repository and ship
inside the package as mocktmc.contracts and mocktmc.fixtures. pyproject.toml's [tool.setuptools.packages.find]
cannot ship a folder under another package's name, so the finding is done here; everything else about the
package is declared in pyproject.toml.
"""
from setuptools import find_packages, setup

# Each folder of the repository that ships, and the package it ships as.
SHIPPED_AS = {"mocktmc": "mocktmc", "contracts": "mocktmc.contracts", "fixtures": "mocktmc.fixtures"}


def package_folders() -> dict[str, str]:
    """Every package under the shipped folders (a folder with an __init__.py) -> the folder holding it."""
    found = {}
    for folder, package in SHIPPED_AS.items():
        found[package] = folder
        for sub in find_packages(where=folder):
            found[f"{package}.{sub}"] = f"{folder}/{sub.replace('.', '/')}"
    return found


FOLDERS = package_folders()
setup(packages=sorted(FOLDERS), package_dir=FOLDERS)
