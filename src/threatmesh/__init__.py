"""threatmesh: a MISP-compatible platform for sharing cyber-threat intelligence.

Layers, inner to outer (an import test enforces the direction)::

    model  <-  formats, privacy, detection, honeypots  <-  storage, bus, deploy, client
           <-  services  <-  api, cli
"""

__version__ = "0.1.0"

#: The MISP version threatmesh answers ``servers/getVersion`` with: the API level it speaks.
MISP_COMPAT_VERSION = "2.5.2"
