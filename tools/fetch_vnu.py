"""Download the Nu HTML Checker (vnu.jar) into var/vnu/, once, checked against its published
digest. `make test` runs this; with no network it says so and the HTML validation tests skip
(or fail under REQUIRE_BROWSER_TESTS=1, as in .ci/run)."""

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "26.9.27"
URL = f"https://registry.npmjs.org/vnu-jar/-/vnu-jar-{VERSION}.tgz"
SHA512 = "TkQd5DFfOaWC9ebtvozTsrH2Vaod3jYg+vrOeREzIXxBexLz9+rS2DNtjn7+RPUiZhgli0SghgBX6RJRNea0KA=="
TARGET = Path(__file__).resolve().parents[1] / "var" / "vnu" / f"vnu-{VERSION}.jar"


def main():
    if TARGET.exists():
        return 0
    print(f"Downloading the Nu HTML Checker {VERSION} …", flush=True)
    try:
        data = urllib.request.urlopen(URL, timeout=60).read()
    except OSError as error:
        print(f"Could not download vnu.jar ({error}); HTML validation tests will skip.")
        return 0
    digest = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != SHA512:
        print("vnu.jar download does not match its published digest; not installed.")
        return 1
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        jar = archive.extractfile("package/build/dist/vnu.jar").read()
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_bytes(jar)
    print(f"Installed {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
