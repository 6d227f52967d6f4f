variable "name" {
  description = "Alias of the key, without the alias/ prefix (e.g. bluegreen-prod-database)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9/_-]+$", var.name)) && !startswith(var.name, "alias/") && !startswith(var.name, "aws/")
    error_message = "name is the alias without the alias/ prefix: letters, digits, /, _ and -, and not under aws/ (reserved for AWS managed keys)."
  }
}

variable "description" {
  description = "Description of the key: what it encrypts."
  type        = string
}

variable "deletion_window_in_days" {
  description = "Days a scheduled deletion waits before the key is gone (AWS allows 7 to 30)."
  type        = number
  default     = 30

  validation {
    condition     = var.deletion_window_in_days >= 7 && var.deletion_window_in_days <= 30 && floor(var.deletion_window_in_days) == var.deletion_window_in_days
    error_message = "deletion_window_in_days must be a whole number from 7 to 30."
  }
}

variable "log_group_names" {
  description = "CloudWatch Logs log groups (names; a trailing * for a prefix) whose events the key encrypts: one statement lets the regional Logs service use the key for exactly these."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for name in var.log_group_names : !strcontains(trimsuffix(name, "*"), "*")])
    error_message = "A log group name may end with * (a prefix) but hold no other wildcard."
  }
}

variable "service_grants" {
  description = "Key policy statements for AWS services that use the key as themselves: a statement ID, the service principal, exact kms: actions and the conditions that bind the use to one resource."
  type = list(object({
    sid     = string
    service = string
    actions = list(string)
    conditions = optional(list(object({
      test     = string
      variable = string
      values   = list(string)
    })), [])
  }))
  default = []

  validation {
    condition     = alltrue([for grant in var.service_grants : length(grant.actions) > 0 && alltrue([for action in grant.actions : startswith(action, "kms:") && !strcontains(action, "*")])])
    error_message = "Each service grant names at least one action, every one an exact kms: action (no wildcard)."
  }

  validation {
    condition     = length(distinct([for grant in var.service_grants : grant.sid])) == length(var.service_grants)
    error_message = "Statement IDs (sid) of the service grants must be unique."
  }
}

variable "tags" {
  description = "Tags for the key."
  type        = map(string)
  default     = {}
}
