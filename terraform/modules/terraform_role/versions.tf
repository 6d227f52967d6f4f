terraform {
  # 1.11 brings write-only arguments (the RDS password never lands in state).
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0"
    }
  }
}
