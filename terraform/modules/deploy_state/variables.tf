variable "name" {
  description = "Name prefix, e.g. bluegreen-prod; the table is <name>-deployments and the parameter /<name>/live-color."
  type        = string
}

variable "deletion_protection" {
  description = "Protect the deployment history table from deletion (turn off only to destroy a test environment)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
