"""HTTP plumbing around the Django application: body size limit, request logging,
security headers and the error pages for failures outside the API views."""
