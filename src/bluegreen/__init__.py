"""bluegreen: zero-downtime blue-green deployments, rehearsed locally, run on ECS Fargate."""

__version__ = "0.1.0"
