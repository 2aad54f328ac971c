#!/usr/bin/env python3
"""Verifies an Export-PimAuditLog file with libraries PimModule does not use (Python's hashlib/json, jwcrypto).

From the exported bytes alone: every record's SHA-256 over its length-prefixed fields, the chain (each record names
the hash of the one before it, from the genesis hash), and in a Verified store every seal: a compact JWS whose key is
bound by the log itself (the genesis record's RootPublicKey — or, for a store that began as a Lab store, its
ProtectStore record's, the records before it chained but not sealed — RegisterCredential records; RevokeCredential
ends one),
whose protected header names that key (kid) and the actor of every record it covers, and whose payload is the canonical
{"head":{"hash","seq"},"prev":{"hash","seq"},"store","v":1} of the chain — or, from PimModule's seals that name the rules
version their transaction was decided under, {"head","prev","rules","store","v":2}. Exit 0 when the log verifies, 1 otherwise
(the reason on stderr). Entitlement (who may bind keys) is PimModule's Test-PimAuditLog's to check; this is the
standard-library check of the cryptography and the chain.
Usage: python3 verify_pim_log.py <export.jsonl>
"""
import base64
import hashlib
import json
import sys

from jwcrypto import jwk, jws
from jwcrypto.common import json_decode


def fail(why):
    print("INVALID: " + why, file=sys.stderr)
    sys.exit(1)


def field(value):
    if value is None:
        return "-1:"
    # Lengths are counted as .NET counts them: UTF-16 code units.
    return "%d:%s" % (len(value.encode("utf-16-le")) // 2, value)


def record_hash(r):
    text = "".join(field(v) for v in (
        str(r["seq"]), r["auditId"], r["atTicks"], r["actor"], r["action"], r["targetType"], r["targetId"],
        r["roleId"], r["principal"], r["before"], r["after"], r["prevHash"]))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def thumbprint(key):
    """SHA-256 of the key's SubjectPublicKeyInfo (DER), upper-case hex: the kid of PimModule's seals."""
    pem = key.export_to_pem(private_key=False, password=None).decode()
    der = base64.b64decode("".join(l for l in pem.splitlines() if not l.startswith("-----")))
    return hashlib.sha256(der).hexdigest().upper()


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def main(path):
    with open(path, "rb") as f:
        lines = [json.loads(line) for line in f.read().decode("utf-8").splitlines() if line]
    if not lines or lines[0].get("format") != "pim-audit-log" or lines[0].get("version") != 1:
        fail("not a pim-audit-log export (version 1)")
    header = lines[0]
    store = header["storeId"]
    verified = header["identityMode"] == "Verified"
    prev_hash = header["genesisHash"]
    keys = {}          # thumbprint -> (principal key, JWK)
    revoked = set()
    pending = []       # bindings of the transaction being read: they apply after its seal
    seal_from, seal_prev = 0, prev_hash
    covered = []       # the records of the transaction being read
    expected, records, seals = 1, 0, 0
    lab_prefix = False
    for item in lines[1:]:
        if item["type"] == "record":
            r = item
            if r["seq"] != expected:
                fail("record %d follows record %d" % (r["seq"], expected - 1))
            if r["prevHash"] != prev_hash:
                fail("record %d does not chain to the record before it" % r["seq"])
            if record_hash(r) != r["hash"]:
                fail("record %d does not match its hash" % r["seq"])
            if r["seq"] == 1 and verified:
                after = json.loads(r["after"] or "{}")
                if r["action"] != "CreateStore":
                    fail("the first record is not the store's genesis")
                # A store that began as a Lab store: its Verified part starts at its ProtectStore record.
                lab_prefix = "RootPublicKey" not in after
            if verified and (r["seq"] == 1 and not lab_prefix or lab_prefix and r["action"] == "ProtectStore"):
                after = json.loads(r["after"] or "{}")
                if after.get("StoreId", "").lower() != store.lower():
                    fail("record %d does not name this store" % r["seq"])
                root = jwk.JWK.from_pem(after["RootPublicKey"].encode())
                keys[thumbprint(root)] = (after["CreatedBy"].lower(), root)
                if lab_prefix:
                    lab_prefix = False
                    seal_from, seal_prev, covered = r["seq"] - 1, r["prevHash"], []
            elif verified and r["action"] == "ProtectStore":
                fail("record %d protects a store that is Verified already" % r["seq"])
            if lab_prefix:
                prev_hash = r["hash"]
                expected += 1
                records += 1
                continue
            if r["action"] in ("RegisterCredential", "RevokeCredential"):
                pending.append(r)
            covered.append(r)
            prev_hash = r["hash"]
            expected += 1
            records += 1
        elif item["type"] == "seal":
            seals += 1
            if lab_prefix:
                fail("a seal covers records of the store before it was Verified")
            if item["from"] != seal_from or item["to"] != expected - 1:
                fail("the seal of records %d-%d does not follow the chain" % (item["from"] + 1, item["to"]))
            token = jws.JWS()
            token.deserialize(item["jws"])
            protected = json_decode(token.objects["protected"])
            kid, actor = protected.get("kid"), protected.get("pim_actor", "").lower()
            if kid not in keys or kid in revoked:
                fail("the seal of records %d-%d is by a key not bound there" % (item["from"] + 1, item["to"]))
            bound_to, key = keys[kid]
            if bound_to != actor:
                fail("the seal of records %d-%d names %s, but its key is bound to %s" % (item["from"] + 1, item["to"], actor, bound_to))
            alg = {"EC": {"P-256": "ES256", "P-384": "ES384"}.get(key.get("crv")), "RSA": "PS256"}.get(key.get("kty"))
            if protected.get("alg") != alg:
                fail("the seal of records %d-%d uses %s, not the algorithm of its key" % (item["from"] + 1, item["to"], protected.get("alg")))
            try:
                token.verify(key, alg=alg)
            except Exception as e:  # jwcrypto raises InvalidJWSSignature
                fail("the seal of records %d-%d does not verify: %s" % (item["from"] + 1, item["to"], e))
            # Format 1 names no rules version; format 2 names the one its transaction was decided under (an integer, 1 or more).
            try:
                claimed = json.loads(token.payload)
            except ValueError:
                claimed = {}
            fields = {"v": 1, "store": store, "prev": {"seq": seal_from, "hash": seal_prev}, "head": {"seq": expected - 1, "hash": prev_hash}}
            rules = claimed.get("rules") if isinstance(claimed, dict) else None
            if isinstance(rules, int) and not isinstance(rules, bool) and rules >= 1:
                fields.update({"v": 2, "rules": rules})
            payload = canonical(fields)
            if token.payload != payload:
                fail("the seal of records %d-%d is over another chain" % (item["from"] + 1, item["to"]))
            for r in covered:
                if r["actor"].lower() != actor:
                    fail("record %d is by %s, but its transaction is sealed by %s" % (r["seq"], r["actor"], actor))
            for r in pending:
                after = json.loads(r["after"] or "{}")
                if r["action"] == "RegisterCredential":
                    k = jwk.JWK.from_pem(after["PublicKey"].encode())
                    keys.setdefault(thumbprint(k), (after["Principal"].lower(), k))
                else:
                    revoked.add(after["Thumbprint"])
            pending, covered = [], []
            seal_from, seal_prev = expected - 1, prev_hash
        else:
            fail("unknown line type %r" % item.get("type"))
    if verified and covered:
        fail("records %d-%d are not sealed" % (covered[0]["seq"], covered[-1]["seq"]))
    print("VALID: %d records, %d seals, store %s" % (records, seals, store))


if __name__ == "__main__":
    main(sys.argv[1])
