"""Compile the message catalogs whenever the package is built.

Everything else lives in setup.cfg; this file only exists because setuptools
has no declarative way to run Babel's ``compile_catalog`` before ``build_py``.
"""
from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithCatalogs(build_py):
    def run(self) -> None:
        self.run_command("compile_catalog")
        super().run()


setup(cmdclass={"build_py": BuildPyWithCatalogs})
