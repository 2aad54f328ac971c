"""Fills a PimModule SQLite store with N eligible assignments of Security Reader (for the read benchmarks).

Written straight into the tables, as the module would, so a million rows take seconds rather than the
bulk path's minutes; the audit log is not part of what the read benchmarks measure.
"""
import sqlite3, sys, uuid

db, n = sys.argv[1], int(sys.argv[2])
role = "5d6b6bb7-de71-4623-b4af-96380a352509"
ticks = 639000000000000000  # 2025-11: started, permanent
c = sqlite3.connect(db)
c.execute("PRAGMA journal_mode=WAL")
c.execute("BEGIN")
rows = ((str(uuid.uuid4()), f"user{i}@contoso.com", f"user{i}@contoso.com", role, "/", "Eligible", "Direct", ticks, None,
         "seed", None, None, "admin@contoso.com", ticks, None, None) for i in range(n))
c.executemany("INSERT INTO assignments (assignment_id, principal, principal_key, role_id, scope, type, member_type, start_utc, end_utc, "
              "justification, ticket_number, ticket_system, created_by, created_utc, request_id, eligible_id) VALUES "
              "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
c.commit()
c.execute("ANALYZE")
c.close()
