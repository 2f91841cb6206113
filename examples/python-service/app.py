"""A Python service that accepts Authura's access tokens (seed 002's way: PyJWT's PyJWKClient).

    AUTHURA_JWKS_URL=https://auth.example.com/.well-known/jwks.json \
    AUTHURA_ISSUER=https://auth.example.com AUTHURA_AUDIENCE=api python3 app.py

Needs Flask and PyJWT with cryptography (Debian: python3-flask python3-jwt python3-cryptography;
pip: flask "pyjwt[crypto]"). The gateway must sign with EdDSA or RS256 (JWT_ALGORITHM,
JWT_PRIVATE_KEYS) for its keys to be public, and set JWT_AUDIENCE.
"""
import os

import jwt
from flask import Flask, jsonify, request

JWKS_URL = os.environ["AUTHURA_JWKS_URL"]
ISSUER = os.environ["AUTHURA_ISSUER"]
AUDIENCE = os.environ["AUTHURA_AUDIENCE"]

# Fetches the gateway's public keys once and again when a token names a key it has not seen.
jwks_client = jwt.PyJWKClient(JWKS_URL, cache_keys=True)
app = Flask(__name__)


def deny():
    return jsonify(error="unauthorized"), 401


@app.get("/protected")
def protected():
    parts = request.headers.get("Authorization", "").split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return deny()
    token = parts[1]
    try:
        # Only access tokens: refresh and mailed tokens have other `typ`s (and other keys).
        if jwt.get_unverified_header(token).get("typ") != "at+jwt":
            return deny()
        key = jwks_client.get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token,
            key.key,
            algorithms=["EdDSA", "RS256"],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub"]},
        )
    except jwt.PyJWTError:
        return deny()
    return jsonify(user_id=claims["sub"], email=claims["email"], roles=claims.get("roles", [claims["role"]]))


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8082")))
