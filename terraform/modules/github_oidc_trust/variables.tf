variable "github_oidc_provider_arn" {
  description = "ARN of the account's GitHub OIDC provider (created once per account by terraform/bootstrap)."
  type        = string
}

variable "github_repository" {
  description = "GitHub repository whose jobs may assume the role, as owner/name."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must be owner/name, without wildcards."
  }
}

variable "environments" {
  description = "GitHub environments whose jobs may assume the role; their protection rules gate every use of it."
  type        = list(string)

  validation {
    condition     = length(var.environments) > 0 && alltrue([for e in var.environments : can(regex("^[A-Za-z0-9_.-]+$", e))])
    error_message = "environments must name at least one GitHub environment, without wildcards."
  }
}
