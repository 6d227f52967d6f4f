variable "name" {
  description = "Name prefix, e.g. bluegreen-prod (the target groups append -blue/-green: keep it at most 26 characters)."
  type        = string

  validation {
    condition     = length(var.name) <= 26
    error_message = "name must be at most 26 characters: target group names are limited to 32."
  }
}

variable "vpc_id" {
  description = "VPC of the target groups."
  type        = string
}

variable "subnet_ids" {
  description = "Public subnets for the ALB, in two or more AZs."
  type        = list(string)
}

variable "security_group_id" {
  description = "Security group of the ALB."
  type        = string
}

variable "app_port" {
  description = "Port the containers listen on (the target groups' port); no default, so one value reaches every module."
  type        = number

  validation {
    condition     = var.app_port >= 1 && var.app_port <= 65535 && floor(var.app_port) == var.app_port
    error_message = "app_port must be a port number between 1 and 65535."
  }
}

variable "certificate_arn" {
  description = "ACM certificate for the HTTPS listener; null issues one for domain_name, validated in route53_zone_id (with neither, the ALB serves plain HTTP on its own DNS name)."
  type        = string
  default     = null
}

variable "domain_name" {
  description = "Public host name of the app (an alias record is created when route53_zone_id is set); null serves on the ALB's own DNS name."
  type        = string
  default     = null
}

variable "route53_zone_id" {
  description = "Public hosted zone for the alias record and the certificate validation; null creates no DNS records."
  type        = string
  default     = null
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener; only the TLS 1.3 families are accepted."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"

  validation {
    condition     = startswith(var.ssl_policy, "ELBSecurityPolicy-TLS13-")
    error_message = "ssl_policy must be a TLS 1.3 policy (ELBSecurityPolicy-TLS13-*)."
  }
}

variable "health_check_path" {
  description = "Path the target groups probe; a target takes traffic only while it answers with health_check_matcher."
  type        = string
  default     = "/health"

  validation {
    condition     = startswith(var.health_check_path, "/") && length(var.health_check_path) <= 1024
    error_message = "health_check_path must start with / (at most 1024 characters)."
  }
}

variable "health_check_matcher" {
  description = "HTTP codes a healthy target answers the check with: one code, a list (200,204) or a range (200-299)."
  type        = string
  default     = "200"

  validation {
    condition     = can(regex("^[0-9]{3}(-[0-9]{3})?(,[0-9]{3}(-[0-9]{3})?)*$", var.health_check_matcher))
    error_message = "health_check_matcher must be HTTP codes such as 200, 200,204 or 200-299."
  }
}

variable "health_check_interval" {
  description = "Seconds between health checks of one target (5 to 300)."
  type        = number
  default     = 5

  validation {
    condition     = var.health_check_interval >= 5 && var.health_check_interval <= 300
    error_message = "health_check_interval must be between 5 and 300 seconds."
  }
}

variable "health_check_timeout" {
  description = "Seconds without an answer that count as a failed check; must be below the interval."
  type        = number
  default     = 3

  validation {
    condition     = var.health_check_timeout >= 2 && var.health_check_timeout <= 120
    error_message = "health_check_timeout must be between 2 and 120 seconds."
  }
}

variable "healthy_threshold" {
  description = "Consecutive successes before a target is healthy."
  type        = number
  default     = 2

  validation {
    condition     = var.healthy_threshold >= 2 && var.healthy_threshold <= 10
    error_message = "healthy_threshold must be between 2 and 10."
  }
}

variable "unhealthy_threshold" {
  description = "Consecutive failures before a target is unhealthy."
  type        = number
  default     = 3

  validation {
    condition     = var.unhealthy_threshold >= 2 && var.unhealthy_threshold <= 10
    error_message = "unhealthy_threshold must be between 2 and 10."
  }
}

variable "deregistration_delay" {
  description = "Seconds a deregistering target keeps its in-flight requests before the ALB cuts them (the drain bound)."
  type        = number
  default     = 30

  validation {
    condition     = var.deregistration_delay >= 0 && var.deregistration_delay <= 3600
    error_message = "deregistration_delay must be between 0 and 3600 seconds."
  }
}

variable "idle_timeout" {
  description = "Seconds an idle client connection stays open; the app's keep-alive must be longer."
  type        = number
  default     = 60
}

variable "test_listener_port" {
  description = "Port of an optional test listener that forwards to the idle colour (for `bluegreen deploy --smoke`); null creates none. Open it in networking's test_listener_cidrs."
  type        = number
  default     = null

  validation {
    condition     = var.test_listener_port == null || try(var.test_listener_port >= 1024 && var.test_listener_port <= 65535, false)
    error_message = "test_listener_port must be null or a port between 1024 and 65535 (80 and 443 are the production listeners')."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the ALB (turn off only to destroy a test environment)."
  type        = bool
  default     = true
}

variable "access_logs_enabled" {
  description = "Write ALB access logs to an S3 bucket this module creates."
  type        = bool
  default     = true
}

variable "access_logs_retention_days" {
  description = "Days to keep ALB access logs."
  type        = number
  default     = 90
}

variable "web_acl_arn" {
  description = "AWS WAF (v2, regional) web ACL to associate with the ALB; null associates none."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
