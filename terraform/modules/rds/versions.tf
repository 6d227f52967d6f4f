terraform {
  # 1.11 brings write-only arguments: the password goes to RDS and SSM without landing in state.
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0"
    }
    random = {
      source = "hashicorp/random"
      # 3.7 adds the ephemeral random_password.
      version = ">= 3.7"
    }
  }
}
