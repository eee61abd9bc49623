"""UMA 2.0 decisions as pure functions: producers' policies evaluated against a
requesting party's facts and claims, and the requesting party tokens (RPTs) that carry
the granted permissions (JWT, ES256, through ``joserfc``)."""
