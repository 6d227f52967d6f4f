variable "name" {
  description = "Repository name, e.g. bluegreen/items-api."
  type        = string
}

variable "keep_last_images" {
  description = "How many images the lifecycle policy keeps; older ones expire. Keep more than the releases you may roll back to."
  type        = number
  default     = 30

  validation {
    condition     = var.keep_last_images >= 2
    error_message = "keep_last_images must keep at least 2 images (the live and the idle colour)."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the images; null uses the AWS managed aws/ecr key (no key cost)."
  type        = string
  default     = null
}

variable "force_delete" {
  description = "Let terraform destroy delete a repository that still holds images (test environments only)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
