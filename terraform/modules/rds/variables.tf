variable "name" {
  description = "Name prefix and DB instance identifier, e.g. bluegreen-prod."
  type        = string
}

variable "engine_major_version" {
  description = "PostgreSQL major version. Only the major is pinned: AWS retires minors (the seed's 15.4 vanished) and applies them in the maintenance window."
  type        = string
  default     = "16"

  validation {
    condition     = can(regex("^[0-9]+$", var.engine_major_version))
    error_message = "engine_major_version must be a major version only, e.g. \"16\", never a minor like \"16.4\"."
  }
}

variable "instance_class" {
  description = "DB instance class."
  type        = string
  default     = "db.t4g.micro"
}

variable "allocated_storage" {
  description = "Initial storage in GiB (gp3)."
  type        = number
  default     = 20
}

variable "max_allocated_storage" {
  description = "Storage autoscaling ceiling in GiB."
  type        = number
  default     = 100
}

variable "db_name" {
  description = "Name of the application database."
  type        = string
  default     = "app"
}

variable "username" {
  description = "Master user name."
  type        = string
  default     = "app_admin"
}

variable "subnet_ids" {
  description = "Database subnets (no route out of the VPC), in two or more AZs."
  type        = list(string)
}

variable "security_group_id" {
  description = "Security group that admits PostgreSQL from the tasks only."
  type        = string
}

variable "multi_az" {
  description = "Standby in a second AZ with automatic failover (on in prod)."
  type        = bool
  default     = true
}

variable "deletion_protection" {
  description = "Refuse to delete the instance (on in prod)."
  type        = bool
  default     = true
}

variable "performance_insights_enabled" {
  description = "Performance Insights, encrypted with this module's key (on in prod)."
  type        = bool
  default     = true
}

variable "iam_database_authentication_enabled" {
  description = "Allow IAM database authentication next to the password (on in prod)."
  type        = bool
  default     = true
}

variable "backup_retention_days" {
  description = "Days of automated backups (point-in-time restore window)."
  type        = number
  default     = 7

  validation {
    condition     = var.backup_retention_days >= 1 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be between 1 and 35 (0 would turn backups off)."
  }
}

variable "monitoring_interval" {
  description = "Enhanced Monitoring interval in seconds (0 turns it off)."
  type        = number
  default     = 60

  validation {
    condition     = contains([0, 1, 5, 10, 15, 30, 60], var.monitoring_interval)
    error_message = "monitoring_interval must be one of 0, 1, 5, 10, 15, 30, 60."
  }
}

variable "slow_query_ms" {
  description = "Statements slower than this many milliseconds are logged (log_min_duration_statement)."
  type        = number
  default     = 500
}

variable "log_retention_days" {
  description = "Days to keep the PostgreSQL logs exported to CloudWatch Logs."
  type        = number
  default     = 365
}

variable "password_version" {
  description = "Bump to generate a new master password and write it to RDS and SSM (both are write-only arguments, sent only when this changes)."
  type        = number
  default     = 1
}

variable "skip_final_snapshot" {
  description = "Skip the final snapshot on destroy (test environments only)."
  type        = bool
  default     = false
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary of this module's roles (the cicd module's permissions_boundary_arn): the Terraform role may only create or change roles that carry it."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
