"""Guards of the web app: request size, security headers, login throttling, audit of sign-ins."""
