"""An ODK encrypted submission made as a phone makes it, written from the spec (getodk
docs, "Encrypted forms"; the XForms spec's encryption section) with Python's
`cryptography`, independently of Custodia's Rust code.

Given a form's public key (base64 DER SubjectPublicKeyInfo, the form's
`base64RsaPublicKey`), its id and version, an instance id, the submission XML and its
media files, it writes each file encrypted (`<name>.enc`) and the manifest
(`submission.xml`, the plain document an encrypted form's submission carries):

- a fresh 256-bit AES key, wrapped with RSA-OAEP (SHA-256, MGF1 with SHA-256: what
  Collect's `RSA/NONE/OAEPWithSHA256AndMGF1Padding` means under Bouncy Castle);
- each file in AES-256-CFB (128-bit feedback) with PKCS#5/7 padding; the IVs start from
  MD5(instance id as UTF-8 ‖ key), and before the i-th file (0-based; media in the
  manifest's order, then the XML) byte i mod 16 is incremented, cumulatively;
- the signature: MD5 over "form id\\n[version\\n]wrapped key\\ninstance id\\n" then
  "name::md5hex\\n" for each media file and for the XML (names without `.enc`, MD5s of
  the plain contents, 32 hex digits), encrypted with the same RSA-OAEP, in base64.

Usage: odk_encrypt.py PUBLIC_KEY_B64 FORM_ID VERSION|- INSTANCE_ID XML OUT_DIR [MEDIA...]
(`--mgf1-sha1` first to wrap as Java's own provider would). As a module: `encrypt(...)`.
"""
import base64
import hashlib
import os
import sys
from xml.sax.saxutils import escape, quoteattr

from cryptography.hazmat.primitives import hashes, padding as sym_padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

try:  # CFB moved to the "decrepit" module in cryptography 47.
    from cryptography.hazmat.decrepit.ciphers.modes import CFB
except ImportError:
    from cryptography.hazmat.primitives.ciphers.modes import CFB

NAMESPACE = "http://www.opendatakit.org/xforms/encrypted"


def oaep(mgf1_sha1=False):
    mgf = hashes.SHA1() if mgf1_sha1 else hashes.SHA256()
    return padding.OAEP(mgf=padding.MGF1(algorithm=mgf), algorithm=hashes.SHA256(), label=None)


def ivs(instance_id, key):
    """The IV of each file in turn."""
    seed = bytearray(hashlib.md5(instance_id.encode("utf-8") + key).digest())
    i = 0
    while True:
        seed[i % 16] = (seed[i % 16] + 1) % 256
        i += 1
        yield bytes(seed)


def aes_cfb(key, iv, plain):
    padder = sym_padding.PKCS7(128).padder()
    padded = padder.update(plain) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), CFB(iv)).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def encrypt(public_key_b64, form_id, version, instance_id, xml, media=(), key=None, mgf1_sha1=False,
            xml_name="submission.xml"):
    """Returns (manifest XML as bytes, {encrypted file name: bytes}, the AES key).
    `media` is a sequence of (name, bytes) in the manifest's order."""
    public = serialization.load_der_public_key(base64.b64decode(public_key_b64))
    key = key or os.urandom(32)
    wrapped = base64.b64encode(public.encrypt(key, oaep(mgf1_sha1))).decode()
    next_iv = ivs(instance_id, key)
    files, lines = {}, [form_id] + ([version] if version else []) + [wrapped, instance_id]
    for name, content in list(media) + [(xml_name, xml)]:
        files[name + ".enc"] = aes_cfb(key, next(next_iv), content)
        lines.append(f"{name}::{hashlib.md5(content).hexdigest()}")
    source = "".join(line + "\n" for line in lines)
    signature = base64.b64encode(public.encrypt(hashlib.md5(source.encode("utf-8")).digest(), oaep(mgf1_sha1))).decode()
    version_attr = f" version={quoteattr(version)}" if version else ""
    manifest = (
        "<?xml version='1.0' encoding='UTF-8' ?>\n"
        f"<data id={quoteattr(form_id)}{version_attr} encrypted=\"yes\" xmlns=\"{NAMESPACE}\">\n"
        f"<base64EncryptedKey>{wrapped}</base64EncryptedKey>\n"
        f"<orx:meta xmlns:orx=\"http://openrosa.org/xforms\"><orx:instanceID>{escape(instance_id)}</orx:instanceID></orx:meta>\n"
        + "".join(f"<media><file>{escape(name)}.enc</file></media>\n" for name, _ in media)
        + f"<encryptedXmlFile>{escape(xml_name)}.enc</encryptedXmlFile>\n"
        f"<base64EncryptedElementSignature>{signature}</base64EncryptedElementSignature>\n"
        "</data>\n"
    )
    return manifest.encode("utf-8"), files, key


def main(argv):
    mgf1_sha1 = bool(argv) and argv[0] == "--mgf1-sha1"
    if mgf1_sha1:
        argv = argv[1:]
    if len(argv) < 6:
        sys.exit(__doc__)
    public, form_id, version, instance_id, xml_path, out = argv[:6]
    media = []
    for path in argv[6:]:
        with open(path, "rb") as f:
            media.append((os.path.basename(path), f.read()))
    with open(xml_path, "rb") as f:
        xml = f.read()
    manifest, files, _ = encrypt(public, form_id, None if version == "-" else version, instance_id, xml, media,
                                 mgf1_sha1=mgf1_sha1)
    os.makedirs(out, exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    with open(os.path.join(out, "submission.xml"), "wb") as f:
        f.write(manifest)


if __name__ == "__main__":
    main(sys.argv[1:])
