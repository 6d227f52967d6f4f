terraform {
  # The same floor as every other module (the stack as a whole needs 1.11).
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0"
    }
  }
}
