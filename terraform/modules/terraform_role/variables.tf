variable "name" {
  description = "Name prefix of the stack's roles, e.g. bluegreen-prod: the role is <name>-terraform and may manage roles under <name>- only."
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

variable "terraform_environments" {
  description = "GitHub environments whose jobs may assume the Terraform role (protect them with required reviewers); no branch or pull request is trusted on its own."
  type        = list(string)

  validation {
    condition     = length(var.terraform_environments) > 0 && alltrue([for e in var.terraform_environments : can(regex("^[A-Za-z0-9_.-]+$", e))])
    error_message = "terraform_environments must name at least one GitHub environment, without wildcards."
  }
}

variable "github_oidc_provider_arn" {
  description = "ARN of the account's GitHub OIDC provider (created once per account by terraform/bootstrap)."
  type        = string
}

variable "state_bucket_arn" {
  description = "ARN of the Terraform state bucket (the role reads and writes state and lock files there)."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
