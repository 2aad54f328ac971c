"""Fills a PimModule SQLite store for the report benchmark (measure 8): N assignments of five roles (eligible and active,
permanent and time-bound, and activations) and a year of activation requests up to NOW, three in four approved by an
approver after 1 to 120 minutes.

Written straight into the tables, as the module would: a million rows in seconds rather than the bulk path's minutes.
"""
import sqlite3, sys, uuid

db, n, activations, now = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
roles = ["5d6b6bb7-de71-4623-b4af-96380a352509", "f2ef992c-3afb-46b9-b7cf-a126ee74c451", "62e90394-69f5-4237-9190-012177145e10",
         "fe930be7-5e62-47db-91af-98c3a49a38b1", "729827e3-9c14-49f7-bb1b-9608f156bbb8"]
minute, day = 600000000, 864000000000
year = 365 * day
c = sqlite3.connect(db)
c.execute("PRAGMA journal_mode=WAL")
c.execute("BEGIN")

def request(i):
    created = now - year + (i * year) // activations
    approved = i % 4 != 0
    decided = created + (i % 120 + 1) * minute if approved else created
    return (str(uuid.uuid5(uuid.NAMESPACE_OID, f"q{i}")), "SelfActivate", "Provisioned", f"user{i % 5000}@contoso.com", f"user{i % 5000}@contoso.com",
            roles[i % 5], "/", "Active", 2 * 60 * minute, created, created + 120 * minute, "report bench", f"user{i % 5000}@contoso.com", created,
            "approver1@contoso.com" if approved else None, decided)

c.executemany("INSERT INTO requests (request_id, action, status, principal, principal_key, role_id, scope, assignment_type, duration_ticks, start_utc, "
              "end_utc, justification, created_by, created_utc, approved_by, decided_utc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              (request(i) for i in range(activations)))

def assignment(i):
    role = roles[i % 5]
    if i < activations:  # the activations the requests provisioned
        start = now - year + (i * year) // activations
        p = f"user{i % 5000}@contoso.com"
        return (str(uuid.uuid4()), p, p, role, "Active", "Activated", start, start + 120 * minute, "report bench", start,
                str(uuid.uuid5(uuid.NAMESPACE_OID, f"q{i}")))
    kind = i % 10
    typ = "Active" if kind == 9 else "Eligible"
    end = None if i % 2 == 0 else now + (i % 365 + 1) * day
    p = f"user{i}@contoso.com"
    return (str(uuid.uuid4()), p, p, role, typ, "Direct", now - 400 * day, end, "seed", now - 400 * day, None)

c.executemany("INSERT INTO assignments (assignment_id, principal, principal_key, role_id, scope, type, member_type, start_utc, end_utc, "
              "justification, created_by, created_utc, request_id) VALUES (?, ?, ?, ?, '/', ?, ?, ?, ?, ?, 'admin@contoso.com', ?, ?)",
              (assignment(i) for i in range(n)))
c.commit()
c.execute("ANALYZE")
c.close()
