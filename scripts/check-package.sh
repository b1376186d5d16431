#!/usr/bin/env bash
# `make package`, proved offline: `sam package` of the template check's
# build (.aws-sam/template-check, the unoptimised profile) into a local S3
# API (moto on 127.0.0.1; SAM's boto3 honours AWS_ENDPOINT_URL_S3), then
# what it wrote, read back: the packaged root template and every nested one
# point only into that bucket, every nested template was uploaded, and every
# function's artifact is a zip holding an arm64 `bootstrap`. check-templates.sh
# runs it after its `sam build`.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
need sam moto
BUILD="$ROOT/.aws-sam/template-check"
[ -f "$BUILD/template.yaml" ] || { echo "error: no $BUILD/template.yaml: run scripts/check-templates.sh (its sam build) first" >&2; exit 1; }
BUCKET=birthdays-artifacts-check
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
moto_server -H 127.0.0.1 -p "$port" > "$BUILD/moto-s3.log" 2>&1 &
moto=$!
trap 'kill "$moto" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
export AWS_ENDPOINT_URL_S3="http://127.0.0.1:$port"
"$ROOT/.tools/venv-moto/bin/python" -c 'import boto3, sys; boto3.client("s3").create_bucket(Bucket=sys.argv[1])' "$BUCKET"

log "sam package into s3://$BUCKET on the local S3 API (127.0.0.1:$port), as make package does"
sam package --template-file "$BUILD/template.yaml" --output-template-file "$BUILD/packaged.yaml" \
  --s3-bucket "$BUCKET" --s3-prefix packages/check > "$BUILD/package.log" 2>&1 \
  || { cat "$BUILD/package.log" >&2; echo "error: sam package failed (above)" >&2; exit 1; }

"$ROOT/.tools/venv-moto/bin/python" - "$BUILD/packaged.yaml" "$BUCKET" <<'PY'
import io, os, re, sys, zipfile
import boto3, yaml

packaged, bucket = sys.argv[1], sys.argv[2]
endpoint = os.environ["AWS_ENDPOINT_URL_S3"].rstrip("/")
s3 = boto3.client("s3")
problems, seen = [], {"templates": 0, "functions": 0}

# CloudFormation's short tags (!Ref, !Sub, ...) read as plain values.
class Loader(yaml.SafeLoader):
    pass
Loader.add_multi_constructor("!", lambda loader, suffix, node: None)

def key_of(where, reference):
    """The key of `reference` if it points into the bucket, else a problem."""
    if isinstance(reference, dict):  # {Bucket, Key}
        if reference.get("Bucket") == bucket:
            return reference.get("Key")
    elif isinstance(reference, str):
        # s3://bucket/key, or a template's URL: on AWS
        # https://s3.<region>.amazonaws.com/bucket/key, here the local API's.
        m = re.fullmatch(r"s3://([^/]+)/(.+)", reference) \
            or re.fullmatch(r"https://s3[.a-z0-9-]*\.amazonaws\.com/([^/]+)/(.+)", reference) \
            or re.fullmatch(re.escape(endpoint) + r"/([^/]+)/(.+)", reference)
        if m and m.group(1) == bucket:
            return m.group(2)
    problems.append(f"{where}: {reference!r} does not point into s3://{bucket}")

def fetch(where, key):
    try:
        return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except Exception as e:
        problems.append(f"{where}: s3://{bucket}/{key} was not uploaded ({e})")

def check(name, text):
    template = yaml.load(text, Loader=Loader) or {}
    for rid, resource in (template.get("Resources") or {}).items():
        kind, props = resource.get("Type"), resource.get("Properties") or {}
        where = f"{name}: {rid}"
        nested = {"AWS::Serverless::Application": "Location", "AWS::CloudFormation::Stack": "TemplateURL"}
        if kind in nested:
            key = key_of(where, props.get(nested[kind]))
            body = key and fetch(where, key)
            if body:
                seen["templates"] += 1
                check(f"{rid} ({key})", body.decode())
        elif kind == "AWS::Serverless::Function":
            key = key_of(where, props.get("CodeUri"))
            body = key and fetch(where, key)
            if body:
                seen["functions"] += 1
                archive = zipfile.ZipFile(io.BytesIO(body))
                if "bootstrap" not in archive.namelist():
                    problems.append(f"{where}: the zip holds {archive.namelist()}, no bootstrap")
                    continue
                elf = archive.read("bootstrap")[:20]
                # ELF, 64-bit, e_machine 183 (EM_AARCH64)
                if elf[:4] != b"\x7fELF" or int.from_bytes(elf[18:20], "little") != 183:
                    problems.append(f"{where}: bootstrap is not an arm64 ELF executable")
        for prop in ("DefinitionUri", "ContentUri", "Content"):
            if isinstance(props.get(prop), (str, dict)) and kind and kind.startswith("AWS::Serverless"):
                key_of(f"{where}.{prop}", props[prop])

check("template.yaml", open(packaged).read())
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print(f"  packaged: {seen['templates']} nested templates and {seen['functions']} function zips (arm64 bootstrap) in s3://{bucket}, every reference into it")
PY
