"""A self-signed TLS certificate for `tryon serve --self-signed`: phones give the camera only to https pages.

Made once with `cryptography` for this machine's names and the bound address, and cached in the user's cache
folder (`$XDG_CACHE_HOME/tryon`, else `~/.cache/tryon`); a new one is made when the names change or it is
within 30 days of expiring. The phone shows a warning the first time ("not private"): the shopper or operator
accepts it once for this address.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import socket
from pathlib import Path

from tryon.files import write_bytes

_VALID_DAYS = 365


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tryon"


def machine_names(bind_host: str) -> list[str]:
    """The names a phone may use for this machine: the bound address, localhost, 127.0.0.1, the host name."""
    names = [bind_host, "localhost", "127.0.0.1", socket.gethostname()]
    return [n for i, n in enumerate(names) if n and n not in ("0.0.0.0", "::") and n not in names[:i]]


def self_signed(bind_host: str, folder: Path | None = None) -> tuple[Path, Path]:
    """Paths (certificate, key) of a cached self-signed certificate valid for `machine_names(bind_host)`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder = folder or cache_dir()
    names = machine_names(bind_host)
    cert_path, key_path = folder / "serve-cert.pem", folder / "serve-key.pem"
    now = datetime.datetime.now(datetime.UTC)
    if cert_path.is_file() and key_path.is_file():
        try:
            cached = x509.load_pem_x509_certificate(cert_path.read_bytes())
            sans = cached.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            covered = {str(v) for v in sans.get_values_for_type(x509.DNSName)} | {
                str(v) for v in sans.get_values_for_type(x509.IPAddress)
            }
            if set(names) <= covered and cached.not_valid_after_utc - now > datetime.timedelta(days=30):
                return cert_path, key_path
        except (ValueError, x509.ExtensionNotFound):
            pass  # unreadable or foreign: make a new one
    key = ec.generate_private_key(ec.SECP256R1())
    alt_names: list[x509.GeneralName] = []
    for name in names:
        try:
            alt_names.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alt_names.append(x509.DNSName(name))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Tryon on {names[0]}")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=_VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    write_bytes(key_path, key_bytes)
    os.chmod(key_path, 0o600)
    write_bytes(cert_path, certificate.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path
