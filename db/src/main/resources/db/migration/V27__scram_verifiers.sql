-- SCRAM verifiers (RFC 5803 text form: SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>) of
-- a credential, for MQTT 5 enhanced authentication. A credential set as a password keeps its Argon2id
-- hash and verifiers of both mechanisms derived from the same password; one set as verifiers only
-- has no password hash. Never the password itself.
ALTER TABLE device_credentials ALTER COLUMN password_hash DROP NOT NULL;
ALTER TABLE device_credentials
    ADD COLUMN scram_sha256 text CHECK (scram_sha256 LIKE 'SCRAM-SHA-256$%'),
    ADD COLUMN scram_sha512 text CHECK (scram_sha512 LIKE 'SCRAM-SHA-512$%'),
    ADD CONSTRAINT device_credentials_has_a_secret
        CHECK (password_hash IS NOT NULL OR scram_sha256 IS NOT NULL OR scram_sha512 IS NOT NULL);
