variable "region" {
  description = "Region of the state bucket (the environments' backend blocks name the same one)."
  type        = string
  default     = "us-east-1"
}

variable "bucket_name" {
  description = "Name of the state bucket; null uses bluegreen-terraform-state-<account id>."
  type        = string
  default     = null
}

variable "noncurrent_version_days" {
  description = "Days old state versions are kept (the way back from a bad apply or a corrupted state)."
  type        = number
  default     = 90
}

variable "create_github_oidc_provider" {
  description = "Create the account's GitHub Actions OIDC provider the environments' roles trust; false when the account already has one."
  type        = bool
  default     = true
}
