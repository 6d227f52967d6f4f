terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # The bootstrap's own state is local on purpose: it holds one bucket, and the bucket cannot
  # store the state of its own creation. Keep terraform.tfstate of this folder safe or import
  # the bucket again with `terraform import`.
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project   = "bluegreen"
      ManagedBy = "terraform-bootstrap"
    }
  }
}
